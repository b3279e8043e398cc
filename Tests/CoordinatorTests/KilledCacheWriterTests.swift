import Foundation
import XCTest
@testable import Coordinator

#if canImport(Glibc)
import Glibc
#endif

/// Cache writers killed for real, mid-write, many times: the cache file is a whole cache after
/// every kill, and the next write leaves no temp file behind.
///
/// The writer is this test bundle run again as a child process on one method
/// (`testCacheWriterChildProcess`, Go's "helper process" idiom): it takes the repo lock and saves a
/// large cache through `IssueCacheStore` in a loop until it is killed.
final class KilledCacheWriterTests: XCTestCase {
    private static let writerDirectoryVariable = "COORDINATOR_TEST_CACHE_WRITER_DIR"
    private static let repo = RepoURL(parsing: "https://github.com/acme/big")
    private static let issueCount = 2_500

    private var root: URL?

    override func tearDownWithError() throws {
        if let root { try? FileManager.default.removeItem(at: root) }
    }

    func testKilledWritersNeverLeaveAHalfCacheAndTheNextWriteLeavesNoTempFile() async throws {
        let root = try makeTemporaryDirectory()
        self.root = root
        let directory = root.appendingPathComponent("cache")
        let store = IssueCacheStore(directory: directory.path, repo: try XCTUnwrap(Self.repo))
        let target = store.fileURL.lastPathComponent
        let cache = Self.largeCache()
        try store.save(cache)
        XCTAssertGreaterThan(try Data(contentsOf: store.fileURL).count, 2_000_000, "the cache should take a while to write")
        // Another tool's files in the shared directory.
        let foreign = [".\(target).tmp", "other-tool.state", ".other-tool.4242.tmp"]
        for name in foreign { try Data("theirs".utf8).write(to: directory.appendingPathComponent(name)) }

        // On Linux the test bundle is an executable that runs the tests named on its command line;
        // elsewhere (`xctest BUNDLE` on macOS) this way of starting the writer does not apply.
        let testBundle = URL(fileURLWithPath: CommandLine.arguments[0])
        try XCTSkipUnless(
            testBundle.pathExtension == "xctest" && FileManager.default.isExecutableFile(atPath: testBundle.path),
            "the test bundle is not an executable: \(testBundle.path)")
        var environment = ProcessInfo.processInfo.environment
        environment[Self.writerDirectoryVariable] = directory.path
        var leftovers = 0
        for round in 1...20 {
            let writer = try LaunchedCommand(
                executable: testBundle, arguments: ["CoordinatorTests.KilledCacheWriterTests/testCacheWriterChildProcess"],
                environment: environment, directory: root)
            // Kill it while its temp file exists: between create and rename.
            // Every millisecond: a temp file of this size lives about 10 ms. A time-out is reported
            // here and by the assertion below, after the writer is killed.
            let caughtMidWrite = (try? await waitUntil("the writer's temp file exists", timeout: .seconds(20), interval: .milliseconds(1)) {
                Self.tempFiles(in: directory, target: target).contains { $0.pid == writer.pid } || writer.isFinished
            }) != nil
            writer.send(SIGKILL)
            let result = await writer.wait(timeout: .seconds(10))
            XCTAssertTrue(caughtMidWrite && result.signal == SIGKILL, "round \(round): the writer did not write until killed\n\(result)")
            guard result.signal == SIGKILL else { break }

            let left = Self.tempFiles(in: directory, target: target)
            if left.contains(where: { $0.pid == writer.pid }) { leftovers += 1 }
            // Each writer's first save removed the leftovers of those killed before it.
            XCTAssertTrue(left.allSatisfy { $0.pid == writer.pid }, "round \(round): earlier leftovers remain: \(left)")
            // The cache file is always a whole cache: JSON with every issue.
            let json = try JSONSerialization.jsonObject(with: Data(contentsOf: store.fileURL)) as? [String: Any]
            XCTAssertEqual((json?["issues"] as? [String: Any])?.count, Self.issueCount, "round \(round)")
        }
        XCTAssertGreaterThan(leftovers, 0, "no writer was killed mid-write; the test proved nothing")

        let lock = try await RepoLock.acquire(path: store.lockPath, timeout: .seconds(10))
        try store.save(cache)
        lock.release()

        XCTAssertEqual(Self.tempFiles(in: directory, target: target).map(\.fileName), [])
        let names = Set(try FileManager.default.contentsOfDirectory(atPath: directory.path))
        XCTAssertEqual(names, Set(foreign + [target, URL(fileURLWithPath: store.lockPath).lastPathComponent]))
        // The whole cache, read back through the codec (slow in a debug build: once, not per round).
        XCTAssertEqual(try store.load().cache, cache)
    }

    /// The writer: does nothing in a normal test run; in the child process started above it saves
    /// the cache in a loop while holding the repo lock, as a run does, until it is killed.
    func testCacheWriterChildProcess() async throws {
        guard let directory = ProcessInfo.processInfo.environment[Self.writerDirectoryVariable] else { return }
        let store = IssueCacheStore(directory: directory, repo: try XCTUnwrap(Self.repo))
        let lock = try await RepoLock.acquire(path: store.lockPath, timeout: .seconds(10))
        let cache = Self.largeCache()
        while true {
            try store.save(cache)
            withExtendedLifetime(lock) {}
        }
    }

    // MARK: Helpers

    /// About 3 MB: long enough to write that a kill lands mid-write.
    private static func largeCache() -> IssueCache {
        let body = String(repeating: "A body long enough to make the cache file big. ", count: 22)
        var issues: [Int: Issue] = [:]
        for number in 1...issueCount {
            var entry = issue(number, ["status-02:awaiting-planning", "bug"], title: "Issue \(number) with a title")
            entry.body = body
            issues[number] = entry
        }
        return IssueCache(
            lastChecked: Timestamp.parse("2026-11-24T10:00:00Z"), lastFullRefresh: Timestamp.parse("2026-11-24T09:00:00Z"),
            issues: issues)
    }

    private static func tempFiles(in directory: URL, target: String) -> [AtomicFile.TempName] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
        return names.compactMap { AtomicFile.TempName(fileName: $0, target: target) }
    }
}
