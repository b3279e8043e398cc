import Coordinator
import Foundation
import Sandbox
import XCTest

/// The webhook `serve` depends on, end to end against the Sandbox's hooks API: `doctor` finds
/// each problem with its fix, `hooks sync` mends them (and then the Sandbox delivers there), a
/// second sync and a dry run change nothing. The base class checks that no output holds a secret,
/// the webhook secret included.
final class HooksCommandTests: CommandTestCase {
    static let webhookSecret = "whsec-e2e-hook-secret-7c1b09"
    static let hookReaderToken = "ghp_E2eNoHookScopes_5d21aa"

    /// Nothing listens there: deliveries to it fail, which is what the delivery check must see.
    private var publicURL = ""
    private var target: String { publicURL + "/webhooks/github" }

    override func setUp() async throws {
        try await super.setUp()
        publicURL = "http://127.0.0.1:\(try closedLoopbackPort())"
    }

    private func scenario(_ hooks: [Scenario.Webhook]) -> Scenario {
        var scenario = DoctorCommandTests.labelledScenario()
        scenario.github.webhooks = hooks
        scenario.github.tokens.append(.init(token: Self.hookReaderToken, login: "e2e-narrow", scopes: ["public_repo"]))
        return scenario
    }

    private func begin(_ hooks: [Scenario.Webhook]) async throws -> CommandHarness {
        let h = try await start(scenario(hooks))
        h.addSecret(Self.webhookSecret)
        h.addSecret(Self.hookReaderToken)
        return h
    }

    private func config(_ h: CommandHarness, serve: String? = nil, token: String? = nil, name: String = "config.toml") throws -> String {
        try writeStandardConfig(h, name: name) { config in
            config.extra = serve ?? """
                [serve]
                webhook_secret = "\(Self.webhookSecret)"
                public_url = "\(publicURL)"

                """
            if let token { config.githubToken = token }
        }
    }

    private func hook(_ h: CommandHarness, _ repository: String) -> [SandboxWebhook] {
        h.server.webhooks().filter { $0.repository == repository }
    }

    // MARK: doctor

    func testDoctorFindsEachHookProblemAndSyncMendsThemOnce() async throws {
        let h = try await begin([
            Scenario.Webhook(
                url: target,
                secret: Self.webhookSecret, events: ["push"], contentType: .form, repository: "acme/alpha", active: false),
        ])
        let alphaHook = try XCTUnwrap(hook(h, "acme/alpha").first?.id)
        let path = try config(h)

        let before = try await h.run(["doctor", "--config", path])
        assertExit(before, 1)
        assertContains(before.stdout, [
            "✓ alpha: hook \(alphaHook) of acme/alpha calls \(target)\n",
            "✗ alpha: hook \(alphaHook) does not send issues events (it sends: push): no label change reaches serve — fix: run coordinator hooks sync --repo alpha",
            "! alpha: hook \(alphaHook) sends application/x-www-form-urlencoded: serve accepts it, JSON is the plainer choice — fix: run coordinator hooks sync --repo alpha",
            "✗ alpha: hook \(alphaHook) is inactive: GitHub sends it nothing — fix: run coordinator hooks sync --repo alpha",
            "✓ alpha: GitHub has made no delivery to hook \(alphaHook) yet\n",
            "✗ beta.tools: no webhook of acme/beta.tools calls \(target): serve hears nothing from GitHub — fix: run coordinator hooks sync --repo beta.tools",
            "- beta.tools: skipped: no webhook calls \(target)\n",
        ], before)

        let writesBefore = await h.changingRequests().count
        let sync = try await h.run(["hooks", "sync", "--all", "--config", path])
        assertExit(sync, 0)
        assertContains(sync.stdout, [
            "alpha (acme/alpha): updated webhook \(alphaHook): inactive → active; events + issues (it had: push); content type form → json\n",
            "beta.tools (acme/beta.tools): created webhook ",
            " → \(target) (json, issues, active, with the secret)\n",
            "1 created, 1 updated, 0 up to date\n",
        ], sync)
        let writes = await h.changingRequests().dropFirst(writesBefore)
        XCTAssertEqual(writes.map { "\($0.method) \($0.path)" }, [
            "PATCH /repos/acme/alpha/hooks/\(alphaHook)", "POST /repos/acme/beta.tools/hooks",
        ])

        let alpha = try XCTUnwrap(hook(h, "acme/alpha").first)
        XCTAssertEqual([alpha.active, alpha.signed], [true, true])
        XCTAssertEqual(alpha.contentType, .json)
        XCTAssertEqual(Set(alpha.events), ["push", "issues"])
        let beta = try XCTUnwrap(hook(h, "acme/beta.tools").first)
        XCTAssertEqual(beta.url, target)
        XCTAssertEqual(beta.events, ["issues"])
        XCTAssertTrue(beta.signed)

        let after = try await h.run(["doctor", "--config", path])
        XCTAssertFalse(after.stdout.contains("✗"), "\(after)")
        assertContains(after.stdout, [
            "✓ alpha: hook \(alphaHook) sends issues events\n", "✓ alpha: hook \(alphaHook) sends JSON\n",
            "✓ alpha: hook \(alphaHook) is active\n", "✓ beta.tools: hook \(beta.id) of acme/beta.tools calls \(target)\n",
        ], after)
        assertExit(after, 0)

        let writesAfterFirst = await h.changingRequests().count
        let again = try await h.run(["hooks", "sync", "--all", "--config", path])
        assertExit(again, 0)
        assertContains(again.stdout, [
            "alpha (acme/alpha): webhook \(alphaHook) is up to date, nothing changed\n",
            "beta.tools (acme/beta.tools): webhook \(beta.id) is up to date, nothing changed\n",
            "nothing to change: every webhook is up to date (2)\n",
        ], again)
        let writesAfterSecond = await h.changingRequests().count
        XCTAssertEqual(writesAfterSecond, writesAfterFirst, "a second sync wrote to GitHub")

        // The Sandbox now delivers a beta.tools change to the hook the sync made.
        _ = await h.server.relabelAsHuman(.init(repository: "acme/beta.tools", number: 1, label: Self.p05))
        await h.server.waitForWebhookDeliveries(timeout: .seconds(20))
        let delivered = h.server.webhookDeliveries().filter { $0.repository == "acme/beta.tools" }
        XCTAssertFalse(delivered.isEmpty, "no delivery for acme/beta.tools")
        XCTAssertEqual(Set(delivered.map(\.hookID)), [beta.id])
    }

    func testDoctorSaysWhereAHookPointsElsewhereAndSyncLeavesThatHookAlone() async throws {
        let old = "https://old-coordinator.example.com/webhooks/github"
        let h = try await begin([
            Scenario.Webhook(url: old, secret: Self.webhookSecret, repository: "acme/alpha"),
            Scenario.Webhook(url: target, secret: Self.webhookSecret, repository: "acme/beta.tools"),
        ])
        let oldID = try XCTUnwrap(hook(h, "acme/alpha").first?.id)
        let path = try config(h)
        let doctor = try await h.run(["doctor", "--config", path])
        assertExit(doctor, 1)
        assertContains(doctor.stdout, [
            "✗ alpha: the webhook of acme/alpha points elsewhere: \(old) (hook \(oldID)), not \(target) — fix: if serve moved, run coordinator hooks sync --repo alpha (it adds one at \(target)) and delete the old one; if the old address is right, correct [serve] public_url\n",
            "✓ beta.tools: hook ",
        ], doctor)

        let sync = try await h.run(["hooks", "sync", "--repo", "alpha", "--config", path])
        assertExit(sync, 0)
        assertContains(sync.stdout, [
            "alpha (acme/alpha): created webhook ",
            "  left alone: webhook \(oldID) calls \(old); delete it in the repository's Settings → Webhooks once nothing serves it\n",
        ], sync)
        XCTAssertFalse(sync.stdout.contains("beta.tools"), "--repo alpha touched beta.tools:\n\(sync)")
        let alphaHooks = hook(h, "acme/alpha")
        XCTAssertEqual(alphaHooks.map(\.url), [old, target])
    }

    func testDoctorReportsFailedDeliveriesWithTheFix() async throws {
        let h = try await begin([Scenario.Webhook(url: target, secret: Self.webhookSecret, repository: "acme/alpha")])
        let id = try XCTUnwrap(hook(h, "acme/alpha").first?.id)
        // Two changes, two deliveries to an address where nothing listens.
        _ = await h.server.relabelAsHuman(.init(repository: "acme/alpha", number: 8, label: Self.p05))
        _ = await h.server.relabelAsHuman(.init(repository: "acme/alpha", number: 8, label: Self.p02))
        await h.server.waitForWebhookDeliveries(timeout: .seconds(20))
        let sent = h.server.webhookDeliveries().filter { $0.hookID == id }.count
        XCTAssertGreaterThanOrEqual(sent, 2)

        let doctor = try await h.run(["doctor", "--config", try config(h)])
        assertExit(doctor, 1)
        assertContains(doctor.stdout, [
            "✗ alpha: the last \(sent) deliveries to hook \(id): 0 OK, \(sent) failed (failed to connect to host at ",
            " — fix: GitHub could not reach serve: check that it runs, that [serve] public_url is reachable from the internet, and the reverse proxy\n",
        ], doctor)
        let github = await h.server.requests().filter { $0.path.contains("/deliveries") }
        XCTAssertEqual(github.map(\.query), ["per_page=10"])
    }

    func testATokenThatMayNotReadHooksCannotTellAndDoesNotFail() async throws {
        let h = try await begin([])
        let doctor = try await h.run(["doctor", "--config", try config(h, token: Self.hookReaderToken)])
        assertContains(doctor.stdout, [
            "? alpha: cannot tell whether acme/alpha has its webhook: GitHub answered 404 to reading its hooks (the token may not read them) — fix: give the token the read:repo_hook scope",
            "- alpha: skipped: the hooks of acme/alpha could not be read\n",
        ], doctor)
        XCTAssertFalse(doctor.stdout.contains("✗ alpha: no webhook"), "\(doctor)")

        let sync = try await h.run(["hooks", "sync", "--all", "--config", try config(h, token: Self.hookReaderToken, name: "narrow.toml")])
        assertExit(sync, 1)
        assertContains(sync.stdout, [
            "alpha (acme/alpha): failed: the webhooks of acme/alpha could not be read: GitHub answered 404 Not Found",
            "fix: give the token the admin:repo_hook scope",
        ], sync)
    }

    // MARK: hooks sync

    func testADryRunSaysWhatItWouldDoAndChangesNothing() async throws {
        let h = try await begin([Scenario.Webhook(url: target, secret: nil, contentType: .form, repository: "acme/alpha")])
        let id = try XCTUnwrap(hook(h, "acme/alpha").first?.id)
        let before = h.server.webhooks()
        let dry = try await h.run(["hooks", "sync", "--all", "--dry-run", "--config", try config(h)])
        assertExit(dry, 0)
        assertContains(dry.stdout, [
            "alpha (acme/alpha): would update webhook \(id): content type form → json; secret set (it had none)\n",
            "beta.tools (acme/beta.tools): would create a webhook → \(target) (json, issues, active, with the secret)\n",
            "dry run, nothing changed: 1 to create, 1 to update, 0 up to date\n",
        ], dry)
        let changes = await h.changingRequests()
        XCTAssertEqual(changes.map(\.path), [])
        XCTAssertEqual(h.server.webhooks(), before)
    }

    func testSyncNeedsPublicURLAndSecretAndSaysSo() async throws {
        let h = try await begin([])
        let noURL = try await h.run(["hooks", "sync", "--all", "--config", try config(
            h, serve: "[serve]\nwebhook_secret = \"\(Self.webhookSecret)\"\n", name: "no-url.toml")])
        assertExit(noURL, 1)
        XCTAssertTrue(noURL.stderr.contains("hooks sync needs [serve] public_url, the URL GitHub reaches serve at"), "\(noURL)")

        let noSecret = try await h.run(["hooks", "sync", "--all", "--config", try config(
            h, serve: "[serve]\npublic_url = \"\(publicURL)\"\n", name: "no-secret.toml")])
        assertExit(noSecret, 1)
        XCTAssertTrue(noSecret.stderr.contains("hooks sync needs [serve] webhook_secret (or GITHUB_WEBHOOK_SECRET)"), "\(noSecret)")

        let relative = try await h.run(["doctor", "--config", try config(
            h, serve: "[serve]\npublic_url = \"coordinator.example.com\"\n", name: "relative.toml")])
        assertExit(relative, 1)
        XCTAssertTrue(relative.stderr.contains("public_url"), "\(relative)")
        XCTAssertTrue(relative.stderr.contains("is not an absolute http:// or https:// URL"), "\(relative)")

        let unchosen = try await h.run(["hooks", "sync", "--config", try config(h, name: "plain.toml")])
        assertExit(unchosen, 2)

        let changes = await h.changingRequests()
        XCTAssertEqual(changes.map(\.path), [])
    }
}
