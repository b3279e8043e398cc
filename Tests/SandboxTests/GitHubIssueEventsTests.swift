import Foundation
import Sandbox
import XCTest

/// `GET /repos/{o}/{r}/issues/{n}/events`: every label, state and title change recorded as GitHub
/// records it — by the REST API, by a human through `/_sandbox/`, at creation, and from the
/// scenario's declared history — paged, authenticated and charged like the other endpoints.
final class GitHubIssueEventsTests: SandboxTestCase {
    /// Issues added to the example for these tests: #130 declares seven events, #131 an empty history.
    override func adjust(_ scenario: inout Scenario) {
        let events: [Scenario.Issue.Event] = [
            // Out of order on purpose: the listing is by time.
            .init(event: "labeled", label: "status-06:implementing", createdAt: "2026-11-20T10:00:00Z", actor: "mcp-coder-bot"),
            .init(event: "labeled", label: "status-02:awaiting-planning", createdAt: "2026-11-19T09:00:00Z"),
            .init(event: "unlabeled", label: "status-02:awaiting-planning", createdAt: "2026-11-19T10:00:00Z", actor: "mcp-coder-bot"),
            .init(event: "labeled", label: "status-03:planning", createdAt: "2026-11-19T10:00:00Z", actor: "mcp-coder-bot"),
            .init(event: "unlabeled", label: "status-03:planning", createdAt: "2026-11-19T12:00:00Z", actor: "mcp-coder-bot"),
            .init(event: "labeled", label: "status-05:plan-ready", createdAt: "2026-11-19T12:00:00Z", actor: "mcp-coder-bot"),
            .init(event: "unlabeled", label: "status-05:plan-ready", createdAt: "2026-11-20T10:00:00Z", actor: "mcp-coder-bot"),
        ]
        scenario.github.repositories[0].issues += [
            .init(number: 130, title: "Busy since yesterday", labels: ["status-06:implementing"], user: "alice",
                  createdAt: "2026-11-19T09:00:00Z", updatedAt: "2026-11-20T10:00:00Z", events: events),
            .init(number: 131, title: "No history", labels: ["bug"], createdAt: "2026-11-19T09:00:00Z", events: []),
        ]
    }

    private let bot = "mcp-coder-bot"

    private func events(_ number: Int, repo: String = "acme/mcp_coder", query: String = "") async throws -> [[String: Any]] {
        let reply = try await gh("/repos/\(repo)/issues/\(number)/events\(query)")
        XCTAssertEqual(reply.status, 200, reply.text)
        return reply.array
    }

    /// `event label actor` per event, e.g. `labeled bug mcp-coder-bot`, `closed - octocat`.
    private func summary(_ events: [[String: Any]]) -> [String] {
        events.map { event in
            let label = (event["label"] as? [String: Any])?["name"] as? String ?? "-"
            let actor = (event["actor"] as? [String: Any])?["login"] as? String ?? "?"
            return "\(event["event"] as? String ?? "?") \(label) \(actor)"
        }
    }

    // MARK: Recording

    func testRESTAddRecordsOneLabeledEventPerLabelActuallyAdded() async throws {
        let before = try await events(101).count
        // `Enhancement` is already there (case-insensitively); `bug` twice is one label.
        let reply = try await gh("POST", "/repos/acme/mcp_coder/issues/101/labels", json: #"{"labels":["Enhancement","bug","bug","new-one"]}"#)
        XCTAssertEqual(reply.status, 200)
        let all = try await events(101)
        XCTAssertEqual(summary(Array(all.dropFirst(before))), ["labeled bug \(bot)", "labeled new-one \(bot)"])
        let added = try XCTUnwrap(all.last)
        XCTAssertEqual((added["label"] as? [String: Any])?["color"] as? String, "ededed", "a label made by use is grey")
        let issue = try await gh("/repos/acme/mcp_coder/issues/101")
        XCTAssertEqual(added["created_at"] as? String, issue.object["updated_at"] as? String, "the event is the edit")

        let again = try await gh("POST", "/repos/acme/mcp_coder/issues/101/labels", json: #"["bug"]"#)
        XCTAssertEqual(again.status, 200)
        let unchanged = try await events(101).count
        XCTAssertEqual(unchanged, all.count, "adding a label the issue carries records nothing")
    }

    func testRESTSetRecordsTheDifferenceRemovalsFirst() async throws {
        let before = try await events(106).count  // status-05:plan-ready, documentation
        let reply = try await gh("PUT", "/repos/acme/mcp_coder/issues/106/labels", json: #"{"labels":["documentation","status-06:implementing"]}"#)
        XCTAssertEqual(reply.status, 200)
        let recorded = try await events(106).dropFirst(before)
        XCTAssertEqual(summary(Array(recorded)), ["unlabeled status-05:plan-ready \(bot)", "labeled status-06:implementing \(bot)"])
        let colors = recorded.compactMap { ($0["label"] as? [String: Any])?["color"] as? String }
        XCTAssertEqual(colors.count, 2)
        XCTAssertFalse(colors.contains("ededed"), "scenario labels keep their colour: \(colors)")
    }

    func testRESTDeleteRecordsUnlabeled() async throws {
        let before = try await events(106).count
        let one = try await gh("DELETE", "/repos/acme/mcp_coder/issues/106/labels/status-05%3Aplan-ready")
        XCTAssertEqual(one.status, 200)
        let missing = try await gh("DELETE", "/repos/acme/mcp_coder/issues/106/labels/status-05%3Aplan-ready")
        XCTAssertEqual(missing.status, 404)
        let all = try await gh("DELETE", "/repos/acme/mcp_coder/issues/106/labels")
        XCTAssertEqual(all.status, 204)
        let recorded = try await events(106).dropFirst(before)
        XCTAssertEqual(summary(Array(recorded)), ["unlabeled status-05:plan-ready \(bot)", "unlabeled documentation \(bot)"])
    }

    func testHumanEditsAreRecordedWithTheirActor() async throws {
        let before = try await events(104).count
        let labels = try await control("PUT", "/repos/acme/mcp_coder/issues/104/labels", json: #"{"labels":["status-05:plan-ready"],"actor":"alice"}"#)
        XCTAssertEqual(labels.status, 200)
        _ = try await control("POST", "/repos/acme/mcp_coder/issues/104/close")
        _ = try await control("POST", "/repos/acme/mcp_coder/issues/104/reopen", json: #"{"actor":"bob"}"#)
        _ = try await control("PATCH", "/repos/acme/mcp_coder/issues/104", json: #"{"title":"Plan review, again","actor":"carol"}"#)
        _ = try await control("PATCH", "/repos/acme/mcp_coder/issues/104", json: #"{"body":"A body edit is no event."}"#)
        _ = try await control("PUT", "/repos/acme/mcp_coder/issues/104/linked_branches", json: #"["104-x"]"#)
        await server.setLabels(owner: "acme", repo: "mcp_coder", number: 104, labels: ["status-05:plan-ready", "wait"], actor: "dave")
        let moved = await server.relabelAsHuman(.init(repository: "acme/mcp_coder", number: 104))
        XCTAssertNoThrow(try moved.get())

        let recorded = Array(try await events(104).dropFirst(before))
        XCTAssertEqual(summary(recorded), [
            "unlabeled status-04:plan-review alice", "labeled status-05:plan-ready alice",
            "closed - octocat", "reopened - bob", "renamed - carol", "labeled wait dave",
            "unlabeled status-05:plan-ready octocat", "labeled status-02:awaiting-planning octocat",
        ])
        guard recorded.count == 8 else { return }
        XCTAssertEqual(recorded[2]["state_reason"] as? String, "completed")
        let rename = try XCTUnwrap(recorded[4]["rename"] as? [String: Any])
        XCTAssertEqual(rename["from"] as? String, "Plan: split the dispatcher")
        XCTAssertEqual(rename["to"] as? String, "Plan review, again")
        let ids = recorded.compactMap { $0["id"] as? Int }
        XCTAssertEqual(ids, ids.sorted(), "oldest first")
        XCTAssertEqual(Set(ids).count, ids.count)
        let times = recorded.compactMap { $0["created_at"] as? String }
        XCTAssertEqual(times, times.sorted())

        for bad in [#"{"labels":[],"actor":""}"#, #"{"labels":[],"actor":7}"#, #"{"labels":[],"actor":"a b"}"#,
                    #"{"labels":[],"actor":"-x"}"#, "{\"labels\":[],\"actor\":\"\(String(repeating: "a", count: 40))\"}"] {
            let reply = try await control("PUT", "/repos/acme/mcp_coder/issues/104/labels", json: bad)
            XCTAssertEqual(reply.status, 400, bad)
        }
        let afterBad = try await events(104).count
        XCTAssertEqual(afterBad, before + recorded.count, "a refused edit records nothing")
    }

    func testANewIssueIsLabeledAtItsCreationByItsAuthor() async throws {
        let created = try await control(
            "POST", "/repos/acme/mcp_coder/issues", json: #"{"title":"Fresh","labels":["status-02:awaiting-planning","bug"],"user":"zoe"}"#)
        XCTAssertEqual(created.status, 201)
        let number = try XCTUnwrap(created.object["number"] as? Int)
        let recorded = try await events(number)
        XCTAssertEqual(summary(recorded), ["labeled status-02:awaiting-planning zoe", "labeled bug zoe"])
        XCTAssertEqual(Set(recorded.compactMap { $0["created_at"] as? String }), [created.object["created_at"] as? String ?? "?"])
        let bare = try await control("POST", "/repos/acme/mcp_coder/issues", json: #"{"title":"No labels"}"#)
        let none = try await events(try XCTUnwrap(bare.object["number"] as? Int))
        XCTAssertEqual(none.count, 0, "an opening is no event on GitHub")
    }

    func testPullRequestsHaveEventsToo() async throws {
        let before = try await events(120).count
        _ = try await gh("POST", "/repos/acme/mcp_coder/issues/120/labels", json: #"["bug"]"#)
        let after = try await events(120)
        XCTAssertEqual(summary(Array(after.dropFirst(before))), ["labeled bug \(bot)"])
    }

    func testEventsAreDatedByTheSandboxClock() async throws {
        await server.setClockOffset(seconds: -7200)
        let created = try await control("POST", "/repos/acme/mcp_coder/issues", json: #"{"title":"Two hours ago","labels":["status-06:implementing"]}"#)
        let number = try XCTUnwrap(created.object["number"] as? Int)
        await server.setClockOffset(seconds: -3600)
        _ = try await gh("PUT", "/repos/acme/mcp_coder/issues/\(number)/labels", json: #"["status-07:code-review"]"#)
        await server.setClockOffset(seconds: 0)
        let recorded = try await events(number)
        let times = try recorded.map { try XCTUnwrap(epochSeconds(($0["created_at"] as? String) ?? "")) }
        let now = Date().timeIntervalSince1970
        guard times.count == 3 else { return XCTFail("expected labeled, then unlabeled and labeled: \(summary(recorded))") }
        XCTAssertEqual(times[0], now - 7200, accuracy: 30)
        XCTAssertEqual(times[1], now - 3600, accuracy: 30)
        XCTAssertEqual(times[2], times[1])
    }

    // MARK: The scenario's history

    func testDeclaredHistoryIsListedInTimeOrder() async throws {
        let listed = try await events(130)
        XCTAssertEqual(summary(listed), [
            "labeled status-02:awaiting-planning alice",
            "unlabeled status-02:awaiting-planning \(bot)", "labeled status-03:planning \(bot)",
            "unlabeled status-03:planning \(bot)", "labeled status-05:plan-ready \(bot)",
            "labeled status-06:implementing \(bot)", "unlabeled status-05:plan-ready \(bot)",
        ])
        XCTAssertEqual(listed.last?["created_at"] as? String, "2026-11-20T10:00:00Z")
        XCTAssertEqual(listed.first?["created_at"] as? String, "2026-11-19T09:00:00Z")
        let empty = try await events(131)
        XCTAssertEqual(empty.count, 0, "\"events\": [] is no history")
        let shipped = try await events(107)
        XCTAssertEqual(summary(shipped), [
            "labeled status-05:plan-ready alice", "unlabeled status-05:plan-ready \(bot)", "labeled status-06:implementing \(bot)",
        ], "the example's #107 declares when it became busy")
    }

    func testWithoutDeclaredEventsEachLabelIsAddedAtCreationAndAClosedIssueClosed() async throws {
        let open = try await events(101)
        XCTAssertEqual(summary(open), ["labeled status-02:awaiting-planning alice", "labeled enhancement alice"])
        XCTAssertEqual(Set(open.compactMap { $0["created_at"] as? String }), ["2026-11-18T09:00:00Z"])
        let closed = try await events(117)
        XCTAssertEqual(summary(closed), ["labeled status-10:pr-created alice", "closed - alice"])
        XCTAssertEqual(closed.last?["created_at"] as? String, "2026-11-23T17:00:00Z")
    }

    func testResetRestoresTheScenarioHistory() async throws {
        _ = try await gh("POST", "/repos/acme/mcp_coder/issues/130/labels", json: #"["bug"]"#)
        let grown = try await events(130).count
        XCTAssertEqual(grown, 8)
        await server.reset()
        let restored = try await events(130)
        XCTAssertEqual(restored.count, 7)
    }

    func testScenarioRejectsAHistoryGitHubCouldNotHave() throws {
        func problem(_ event: Scenario.Issue.Event) throws -> ScenarioError? {
            var scenario = try Scenario.example()
            scenario.github.repositories[0].issues[0].events = [event]  // #1: 2026-11-02T09:00 … 2026-11-20T08:00
            do {
                try scenario.validate()
                return nil
            } catch let error as ScenarioError {
                return error
            }
        }
        let cases: [(Scenario.Issue.Event, String)] = [
            (.init(event: "commented", createdAt: "2026-11-03T00:00:00Z"), "event"),
            (.init(event: "labeled", createdAt: "2026-11-03T00:00:00Z"), "label"),
            (.init(event: "unlabeled", label: " ", createdAt: "2026-11-03T00:00:00Z"), "label"),
            (.init(event: "closed", label: "bug", createdAt: "2026-11-03T00:00:00Z"), "label"),
            (.init(event: "closed", createdAt: "yesterday"), "created_at"),
            (.init(event: "closed", createdAt: "2026-11-01T00:00:00Z"), "created_at"),
            (.init(event: "closed", createdAt: "2026-11-21T00:00:00Z"), "created_at"),
            (.init(event: "reopened", createdAt: "2026-11-03T00:00:00Z", actor: ""), "actor"),
        ]
        for (event, key) in cases {
            let error = try problem(event)
            XCTAssertEqual(error?.location, "github.repositories[0].issues[0].events[0].\(key)", "\(event)")
        }
        XCTAssertNil(try problem(.init(event: "reopened", createdAt: "2026-11-20T08:00:00Z")), "the last moment is allowed")

        let json = #"{"github":{"tokens":[{"token":"t"}],"repositories":[{"owner":"o","name":"r","issues":[{"number":1,"title":"t","created_at":"2026-11-01T00:00:00Z","updated_at":"2026-11-02T00:00:00Z","events":[{"event":"labeled","label":"x","created_at":"2026-11-01T12:00:00Z","actor":"bot"}]}]}]},"jenkins":{"users":[],"jobs":[]}}"#
        let decoded = try Scenario.decode(Data(json.utf8))
        XCTAssertEqual(decoded.github.repositories[0].issues[0].events, [.init(event: "labeled", label: "x", createdAt: "2026-11-01T12:00:00Z", actor: "bot")])
        let roundTrip = try Scenario.decode(try JSONEncoder().encode(decoded))
        XCTAssertEqual(roundTrip, decoded)
    }

    // MARK: The endpoint

    func testShapeOfALabeledEvent() async throws {
        let shipped = try await events(107)
        let event = try XCTUnwrap(shipped.last)
        XCTAssertEqual(Set(event.keys), [
            "id", "node_id", "url", "actor", "event", "commit_id", "commit_url", "created_at", "label", "performed_via_github_app",
        ])
        let id = try XCTUnwrap(event["id"] as? Int)
        XCTAssertEqual(event["url"] as? String, github + "/repos/acme/mcp_coder/issues/events/\(id)")
        XCTAssertTrue((event["node_id"] as? String ?? "").hasPrefix("LE_"))
        XCTAssertTrue(event["commit_id"] is NSNull)
        XCTAssertTrue(event["commit_url"] is NSNull)
        XCTAssertTrue(event["performed_via_github_app"] is NSNull)
        let label = try XCTUnwrap(event["label"] as? [String: Any])
        XCTAssertEqual(Set(label.keys), ["name", "color"])
        let actor = try XCTUnwrap(event["actor"] as? [String: Any])
        XCTAssertEqual(actor["login"] as? String, bot)
        XCTAssertNotNil(actor["avatar_url"] as? String, "a full simple-user")

        let one = try await send("GET", try XCTUnwrap(event["url"] as? String), headers: ["Authorization": "Bearer \(Self.token)"])
        XCTAssertEqual(one.status, 200)
        XCTAssertEqual(one.object["id"] as? Int, id)
        XCTAssertEqual((one.object["issue"] as? [String: Any])?["number"] as? Int, 107)
        let unknownEvent = try await gh("/repos/acme/mcp_coder/issues/events/1")
        XCTAssertEqual(unknownEvent.status, 404)
        let otherRepo = try await gh("/repos/acme/infra/issues/events/\(id)")
        XCTAssertEqual(otherRepo.status, 404, "an event belongs to its repository")
        let word = try await gh("/repos/acme/mcp_coder/issues/events/latest")
        XCTAssertEqual(word.status, 404)
    }

    func testPagesWithPerPageAndALinkHeader() async throws {
        let first = try await gh("/repos/acme/mcp_coder/issues/130/events?per_page=3")
        XCTAssertEqual(first.array.count, 3)
        let link = try XCTUnwrap(first.header("Link"))
        XCTAssertTrue(link.contains("<\(github)/repos/acme/mcp_coder/issues/130/events?per_page=3&page=2>; rel=\"next\""), link)
        XCTAssertTrue(link.contains("page=3>; rel=\"last\""), link)
        let second = try await gh("/repos/acme/mcp_coder/issues/130/events?per_page=3&page=2")
        let third = try await gh("/repos/acme/mcp_coder/issues/130/events?per_page=3&page=3")
        XCTAssertTrue(second.header("Link")?.contains("rel=\"prev\"") ?? false)
        XCTAssertTrue(third.header("Link")?.contains("rel=\"first\"") ?? false)
        XCTAssertFalse(third.header("Link")?.contains("rel=\"next\"") ?? true)
        let paged = (first.array + second.array + third.array).compactMap { $0["id"] as? Int }
        let whole = try await events(130).compactMap { $0["id"] as? Int }
        XCTAssertEqual(paged, whole)
        XCTAssertEqual(whole.count, 7)
        let past = try await gh("/repos/acme/mcp_coder/issues/130/events?per_page=3&page=9223372036854775807")
        XCTAssertEqual(past.array.count, 0)
        let single = try await gh("/repos/acme/mcp_coder/issues/130/events")
        XCTAssertNil(single.header("Link"), "one page of 30 needs no Link")
    }

    func testPerPageDefaultsTo30AndIsCappedAt100() async throws {
        for round in 0..<60 {
            let label = round.isMultiple(of: 2) ? "wait" : "bug"
            _ = try await gh("PUT", "/repos/acme/mcp_coder/issues/131/labels", json: "[\"\(label)\"]")
        }
        // 60 edits, each removing one label and adding another: 120 events.
        let defaulted = try await gh("/repos/acme/mcp_coder/issues/131/events")
        XCTAssertEqual(defaulted.array.count, 30)
        let nonsense = try await gh("/repos/acme/mcp_coder/issues/131/events?per_page=0")
        XCTAssertEqual(nonsense.array.count, 30)
        let capped = try await gh("/repos/acme/mcp_coder/issues/131/events?per_page=1000")
        XCTAssertEqual(capped.array.count, 100)
        XCTAssertTrue(capped.header("Link")?.contains("per_page=1000&page=2>; rel=\"next\"") ?? false)
    }

    func testUnknownIssueOrRepositoryIs404() async throws {
        let issue = try await gh("/repos/acme/mcp_coder/issues/9999/events")
        XCTAssertEqual(issue.status, 404)
        XCTAssertEqual(issue.object["message"] as? String, "Not Found")
        let repo = try await gh("/repos/acme/nope/issues/1/events")
        XCTAssertEqual(repo.status, 404)
        let word = try await gh("/repos/acme/mcp_coder/issues/abc/events")
        XCTAssertEqual(word.status, 404)
        let post = try await gh("POST", "/repos/acme/mcp_coder/issues/101/events", json: "{}")
        XCTAssertEqual(post.status, 404)
        let swift = await server.issueEvents(owner: "acme", repo: "mcp_coder", number: 9999)
        XCTAssertNil(swift)
        let control = try await control("GET", "/repos/acme/mcp_coder/issues/9999/events")
        XCTAssertEqual(control.status, 404)
    }

    func testAuthRateLimitAndConditionalRequests() async throws {
        let anonymous = try await gh("/repos/acme/mcp_coder/issues/107/events", token: nil)
        XCTAssertEqual(anonymous.status, 401)
        let wrong = try await gh("/repos/acme/mcp_coder/issues/107/events", token: "ghp_wrong")
        XCTAssertEqual(wrong.status, 401)

        let first = try await gh("/repos/acme/mcp_coder/issues/107/events")
        XCTAssertEqual(first.header("x-ratelimit-remaining"), "4999")
        let tag = try XCTUnwrap(first.header("ETag"))
        let revalidated = try await gh("/repos/acme/mcp_coder/issues/107/events", headers: ["If-None-Match": tag])
        XCTAssertEqual(revalidated.status, 304)
        XCTAssertEqual(revalidated.header("x-ratelimit-remaining"), "4999", "a 304 is free")
        _ = try await gh("POST", "/repos/acme/mcp_coder/issues/107/labels", json: #"["bug"]"#)
        let changed = try await gh("/repos/acme/mcp_coder/issues/107/events", headers: ["If-None-Match": tag])
        XCTAssertEqual(changed.status, 200, "a new event changes the list")
        XCTAssertEqual(changed.array.count, first.array.count + 1)
        XCTAssertEqual(changed.header("x-ratelimit-remaining"), "4997")
        let enterprise = try await gh("/repos/acme/mcp_coder/issues/107/events", base: server.githubEnterpriseAPIURL)
        XCTAssertEqual(enterprise.status, 200)
        XCTAssertTrue((enterprise.array.first?["url"] as? String ?? "").hasPrefix(server.githubEnterpriseAPIURL + "/repos/"))
    }

    func testSwiftAndControlAPIsListTheSameEvents() async throws {
        _ = try await control("PUT", "/repos/acme/mcp_coder/issues/130/labels", json: #"{"labels":["status-07:code-review"],"actor":"alice"}"#)
        let found = await server.issueEvents(owner: "acme", repo: "mcp_coder", number: 130)
        let swift = try XCTUnwrap(found)
        let rest = try await events(130)
        XCTAssertEqual(swift.map(\.id), rest.compactMap { $0["id"] as? Int })
        XCTAssertEqual(swift.last?.kind, .labeled)
        XCTAssertEqual(swift.last?.label?.name, "status-07:code-review")
        XCTAssertEqual(swift.last?.actor, "alice")
        let listed = try await control("GET", "/repos/acme/mcp_coder/issues/130/events")
        XCTAssertEqual(listed.array.compactMap { $0["id"] as? Int }, swift.map(\.id))
        XCTAssertEqual(listed.array.last?["actor"] as? String, "alice")
        XCTAssertEqual((listed.array.last?["label"] as? [String: Any])?["name"] as? String, "status-07:code-review")
    }
}

/// Seconds since 1970 of a GitHub timestamp (`2026-11-24T10:00:00Z`), or nil.
private func epochSeconds(_ text: String) -> Double? {
    let formatter = ISO8601DateFormatter()
    formatter.formatOptions = [.withInternetDateTime]
    return formatter.date(from: text)?.timeIntervalSince1970
}
