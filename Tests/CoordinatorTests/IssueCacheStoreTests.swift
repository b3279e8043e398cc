import XCTest
@testable import Coordinator

final class IssueCacheStoreTests: XCTestCase {
    var dir: URL!
    var store: IssueCacheStore!

    override func setUpWithError() throws {
        dir = try makeTemporaryDirectory().appendingPathComponent("cache")
        store = IssueCacheStore(directory: dir.path, repo: RepoURL(parsing: "https://github.com/acme/demo")!)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: dir.deletingLastPathComponent())
    }

    func testFileNameMatchesTheUpstreamTool() {
        XCTAssertEqual(store.fileURL.lastPathComponent, "github_com_acme_demo.issues.json")
        XCTAssertEqual(store.ledgerURL.lastPathComponent, "github_com_acme_demo.dispatches.jsonl")
        XCTAssertEqual(URL(fileURLWithPath: store.lockPath).lastPathComponent, "github_com_acme_demo.lock")
    }

    func testMissingFileIsAnEmptyCache() throws {
        let loaded = try store.load()
        XCTAssertEqual(loaded.cache, .empty)
        XCTAssertNil(loaded.notice)
    }

    func testRoundTripKeepsEveryFieldAndWritesTheSharedShape() throws {
        let cache = IssueCache(
            lastChecked: Timestamp.parse("2026-11-24T10:00:00Z"), lastFullRefresh: Timestamp.parse("2026-11-24T09:00:00Z"),
            updatesCoveredThrough: Timestamp.parse("2026-11-24T09:59:12Z"),
            issues: [123: issue(123, ["status-02:awaiting-planning", "enhancement 🚀"], title: "Add X ✨")])
        try store.save(cache)
        XCTAssertEqual(try store.load().cache, cache)
        let json = try JSONSerialization.jsonObject(with: Data(contentsOf: store.fileURL)) as! [String: Any]
        XCTAssertEqual(json["version"] as? Int, 1)
        XCTAssertEqual(json["last_checked"] as? String, "2026-11-24T10:00:00Z")
        XCTAssertEqual(json["updates_covered_through"] as? String, "2026-11-24T09:59:12Z")
        let entry = (json["issues"] as! [String: Any])["123"] as! [String: Any]
        XCTAssertEqual(entry["number"] as? Int, 123)
        XCTAssertEqual(entry["labels"] as? [String], ["status-02:awaiting-planning", "enhancement 🚀"])
        XCTAssertEqual(entry["created_at"] as? String, "2026-11-20T08:00:00Z")
        XCTAssertEqual(entry["user"] as? String, "alice")
    }

    func testPermissionsAre0600And0700() throws {
        try store.save(IssueCache(issues: [1: issue(1, [])]))
        let fileMode = try FileManager.default.attributesOfItem(atPath: store.fileURL.path)[.posixPermissions] as! Int
        let dirMode = try FileManager.default.attributesOfItem(atPath: dir.path)[.posixPermissions] as! Int
        XCTAssertEqual(fileMode, 0o600)
        XCTAssertEqual(dirMode, 0o700)
    }

    func testOlderShapeWithUnknownKeysIsRead() throws {
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        try Data("""
            {"last_checked": "2026-11-24T10:00:00.123456+00:00", "extra": true,
             "issues": {"5": {"number": 5, "title": "Old", "labels": ["status-05:plan-ready"], "state": "open", "whatever": 1}}}
            """.utf8).write(to: store.fileURL)
        let cache = try store.load().cache
        XCTAssertEqual(cache.issues[5]?.labels, ["status-05:plan-ready"])
        XCTAssertNotNil(cache.lastChecked)
        XCTAssertNil(cache.lastFullRefresh)
        XCTAssertEqual(CacheRefresher(policy: RefreshPolicy(duplicateWindow: 0, fullRefreshInterval: 3600)).kind(for: cache, now: Date(), force: false), .full)
    }

    func testCorruptFileIsMovedAsideAndReported() throws {
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let garbage = Data("{\"issues\": [not json".utf8)
        try garbage.write(to: store.fileURL)
        let loaded = try store.load(now: Timestamp.parse("2026-11-24T10:00:00Z")!)
        XCTAssertEqual(loaded.cache, .empty)
        let aside = store.fileURL.path + ".corrupt-2026-11-24T100000Z"
        XCTAssertEqual(loaded.notice?.contains(aside), true, loaded.notice ?? "")
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: aside)), garbage)
        XCTAssertFalse(FileManager.default.fileExists(atPath: store.fileURL.path))
    }

    func testWrongShapeIsCorruptToo() throws {
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        try Data(#"{"issues": {"1": {"title": "no number"}}}"#.utf8).write(to: store.fileURL)
        XCTAssertNotNil(try store.load().notice)
        try Data("[1, 2]".utf8).write(to: store.fileURL)
        XCTAssertNotNil(try store.load().notice)
    }

    func testSettingLabelsKeepsOtherFieldsAndIssues() async throws {
        try store.save(IssueCache(lastChecked: Timestamp.parse("2026-11-24T10:00:00Z"), issues: [1: issue(1, ["a"]), 2: issue(2, ["b"])]))
        let service = fakeService(store: store)
        let (set, missing) = try await service.withLock { ((try await $0.setLabels(["x", "y"], issue: 1)), (try await $0.setLabels([], issue: 99))) }
        XCTAssertTrue(set)
        XCTAssertFalse(missing)
        let cache = try store.load().cache
        XCTAssertEqual(cache.issues[1]?.labels, ["x", "y"])
        XCTAssertEqual(cache.issues[1]?.title, "Issue 1")
        XCTAssertEqual(cache.issues[2]?.labels, ["b"])
        XCTAssertEqual(cache.lastChecked, Timestamp.parse("2026-11-24T10:00:00Z"))
        XCTAssertNil(cache.issues[99])
    }

    func testSaveLeavesNoTempFiles() throws {
        for n in 0..<5 { try store.save(IssueCache(issues: [n: issue(n, [])])) }
        let names = try FileManager.default.contentsOfDirectory(atPath: dir.path)
        XCTAssertEqual(names, ["github_com_acme_demo.issues.json"])
    }

    func testConcurrentLockedWritersLoseNoUpdate() async throws {
        try store.save(IssueCache(issues: Dictionary(uniqueKeysWithValues: (1...20).map { ($0, issue($0, [])) })))
        let service = fakeService(store: store)
        try await withThrowingTaskGroup(of: Void.self) { group in
            for n in 1...20 {
                group.addTask {
                    _ = try await service.withLock { try await $0.setLabels(["done-\(n)"], issue: n) }
                }
            }
            try await group.waitForAll()
        }
        let cache = try store.load().cache
        for n in 1...20 { XCTAssertEqual(cache.issues[n]?.labels, ["done-\(n)"]) }
    }
}
