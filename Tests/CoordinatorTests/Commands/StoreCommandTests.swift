import CoordinatorPostgres
import Foundation
import Sandbox
import TestSupport
import XCTest
@testable import Coordinator

/// The PostgreSQL store from the command line: a database that cannot be used stops every
/// command before it touches anything (no fallback to files), and `store import`, `export` and
/// `migrate` against a real server.
final class StoreCommandTests: CommandTestCase {
    static let postgres = TemporaryPostgres.Shared()

    override class func tearDown() {
        postgres.stop()
        super.tearDown()
    }

    private func storeConfig(_ h: CommandHarness, url: String, name: String) throws -> String {
        try writeStandardConfig(h, name: name) { config in
            config.extra = "\n[store]\npostgres_url = \"\(url)\"\n\n[serve]\nwebhook_secret = \"store-secret\"\nlisten = \"127.0.0.1:0\"\n"
        }
    }

    func testADatabaseThatCannotBeReachedStopsEveryCommandAndNothingFallsBackToFiles() async throws {
        let h = try await start()
        let password = "pg-pass-never-printed-5e1"
        h.addSecret(password)
        let port = try LoopbackPort.free()
        let config = try storeConfig(h, url: "postgres://coordinator:\(password)@127.0.0.1:\(port)/coordinator?sslmode=disable", name: "down.toml")
        for command in [["run", "--all"], ["status"], ["sync", "--all"], ["serve"], ["store", "migrate"]] {
            let result = try await h.run(command + ["--config", config])
            assertExit(result, 1)
            assertContains(result.stderr, ["127.0.0.1:\(port)", "database coordinator"], result)
            XCTAssertFalse(result.stderr.contains(password), "\(result)")
        }
        let requests = await h.server.requests()
        XCTAssertEqual(requests.count, 0, "nothing asked GitHub or Jenkins")
        let files = (try? FileManager.default.contentsOfDirectory(atPath: h.cacheDir.path)) ?? []
        XCTAssertTrue(files.filter { !$0.hasSuffix(".log") }.isEmpty, "no cache file was written: \(files)")
    }

    func testACacheDirectoryImportedRunsOnTheDatabaseAndExportsBack() async throws {
        let server = try Self.postgres.server()
        let h = try await start()
        let database = "cmd_" + UUID().uuidString.prefix(8).lowercased()
        _ = try server.psql("CREATE DATABASE \(database)")
        let url = "postgres://\(TemporaryPostgres.user)@127.0.0.1:\(server.port)/\(database)?sslmode=disable"
        let files = try writeStandardConfig(h)
        let shared = try storeConfig(h, url: url, name: "shared.toml")

        // A cache directory with history, from a run on the files.
        assertExit(try await h.run(["run", "--all", "--config", files]), 0)
        let dispatched = await buildCounts(h)
        XCTAssertEqual(dispatched.count, Self.expectedDispatches.count)

        let migrate = try await h.run(["store", "migrate", "--config", shared])
        assertExit(migrate, 0)
        assertContains(migrate.stdout, ["schema version \(PostgresMigrations.latestVersion)", "knows \(PostgresMigrations.latestVersion)"], migrate)
        let imported = try await h.run(["store", "import", "--all", "--config", shared])
        assertExit(imported, 0)
        assertContains(imported.stdout, ["alpha:", "cache imported", "history lines added"], imported)
        let again = try await h.run(["store", "import", "--all", "--config", shared])
        assertExit(again, 0)
        assertContains(again.stdout, ["cache already there", "0 history lines added"], again)

        let out = h.root.appendingPathComponent("exported").path
        assertExit(try await h.run(["store", "export", "--all", "--to", out, "--config", shared]), 0)
        for repo in ["acme_alpha", "acme_beta.tools"] {
            for suffix in ["issues.json", "dispatches.jsonl"] {
                let name = "github_com_\(repo).\(suffix)"
                let original = try Data(contentsOf: h.cacheDir.appendingPathComponent(name))
                let back = try Data(contentsOf: URL(fileURLWithPath: out).appendingPathComponent(name))
                XCTAssertEqual(back, original, name)
            }
        }

        // On the database the history guards as it did on the files: nothing is dispatched again,
        // and status reads the database.
        assertExit(try await h.run(["run", "--all", "--force-refresh", "--config", shared]), 0)
        let after = await buildCounts(h)
        XCTAssertEqual(after, dispatched)
        let status = try await h.run(["status", "--json", "--config", shared])
        assertExit(status, 0)
        assertContains(status.stdout, ["postgres 127.0.0.1:\(server.port), database \(database)"], status)
    }
}
