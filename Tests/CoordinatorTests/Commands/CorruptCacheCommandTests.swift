import Foundation
import XCTest
@testable import Coordinator

/// The headless commands end to end: a corrupt cache.
final class CorruptCacheCommandTests: CommandTestCase {
    func testCorruptCacheIsMovedAsideAndReported() async throws {
        let h = try await start()
        let config = try writeStandardConfig(h, repos: [Self.alpha])
        assertExit(try await h.run(["sync", "--all", "--config", config]), 0)
        let cache = h.cacheFile(owner: "acme", repo: "alpha")
        // Earlier corrupt copies under every name this test's moves could pick: none may be replaced.
        let now = Date()
        var sentinels: [URL: Data] = [:]
        for offset in -2...30 {
            let stamp = Timestamp.format(now.addingTimeInterval(TimeInterval(offset))).replacingOccurrences(of: ":", with: "")
            let url = URL(fileURLWithPath: cache.path + ".corrupt-\(stamp)")
            sentinels[url] = Data("earlier corrupt copy \(offset)".utf8)
            try sentinels[url]!.write(to: url)
        }
        func movedAside() -> [URL] {
            h.cacheDirectoryFiles().filter { $0.lastPathComponent.hasPrefix(cache.lastPathComponent + ".corrupt-") && sentinels[$0] == nil }
        }
        let garbage = Data("{\"version\": 1, \"issues\": [ truncated".utf8)
        try garbage.write(to: cache)

        let status = try await h.run(["status", "--config", config])
        assertExit(status, 0)
        assertContains(status.stdout, ["corrupt", "moved aside", cache.path + ".corrupt-"], status)
        var aside = movedAside()
        XCTAssertEqual(aside.count, 1)
        XCTAssertEqual(aside.first.flatMap(h.bytes), garbage, "the corrupt copy must keep the original bytes")
        if let moved = aside.first { XCTAssertTrue(status.stdout.contains(moved.path), "\(status)") }
        XCTAssertFalse(FileManager.default.fileExists(atPath: cache.path), "status must not rebuild the cache")

        // `status --json` carries the notice too.
        let wrongShape = Data("[1, 2, 3]".utf8)
        try wrongShape.write(to: cache)
        let json = try await h.run(["status", "--json", "--config", config])
        assertExit(json, 0)
        let parsed = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [[String: Any]], json.description)
        XCTAssertTrue((parsed.first?["notice"] as? String)?.contains("moved aside") == true, "\(json)")

        // A run reports it, rebuilds from GitHub and dispatches.
        let trailing = Data("not json at all".utf8)
        try trailing.write(to: cache)
        let run = try await h.run(["run", "--all", "--config", config])
        assertExit(run, 0)
        assertContains(run.stdout, ["notice:", "corrupt", "cache full", "3 dispatched"], run)
        aside = movedAside()
        XCTAssertEqual(Set(aside.compactMap(h.bytes)), [garbage, wrongShape, trailing],
                       "every corrupt file must be kept: \(aside.map(\.lastPathComponent))")
        for (url, bytes) in sentinels {
            XCTAssertEqual(h.bytes(url), bytes, "\(url.lastPathComponent) was replaced by a later corrupt file")
        }
        XCTAssertEqual(try h.cachedLabels(owner: "acme", repo: "alpha")[1].map(Set.init), [Self.b03, "enhancement"])
    }
}
