import Foundation
import XCTest
@testable import Coordinator

#if canImport(Glibc)
import Glibc
#endif

/// A writer killed between creating its temp file and renaming it leaves `.NAME.PID.UUID.tmp`
/// behind, as big as the cache. The next save of that cache removes such leftovers — only those of
/// that cache whose writer is gone (or which are too old to belong to a live writer), nothing else.
final class TempFileCleanupTests: XCTestCase {
    private var directory: URL!
    private var store: IssueCacheStore!

    override func setUpWithError() throws {
        directory = try makeTemporaryDirectory().appendingPathComponent("cache")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        store = IssueCacheStore(directory: directory.path, repo: try XCTUnwrap(RepoURL(parsing: "https://github.com/acme/demo")))
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: directory.deletingLastPathComponent())
    }

    // MARK: The name

    func testTempNameReadsBackWhatAWriterNames() throws {
        let name = AtomicFile.TempName(target: "github_com_acme_demo.issues.json", pid: 4242, id: UUID())
        XCTAssertEqual(AtomicFile.TempName(fileName: name.fileName, target: name.target), name)
        XCTAssertTrue(name.fileName.hasPrefix(".github_com_acme_demo.issues.json.4242."))
        XCTAssertTrue(name.fileName.hasSuffix(".tmp"))
    }

    func testTempNameRejectsOtherTargetsOtherToolsAndGroupPids() {
        let target = "a.issues.json"
        let id = UUID().uuidString
        for name in [
            ".a.issues.json.bak.42.\(id).tmp",  // another target's temp file
            ".b.issues.json.42.\(id).tmp",
            "a.issues.json.42.\(id).tmp",  // no leading dot
            ".a.issues.json.tmp",  // another tool's temp file
            ".a.issues.json.42.tmp",
            ".a.issues.json.42.\(id).tmp.keep",
            ".a.issues.json.42.\(id.lowercased()).tmp",
            ".a.issues.json.42.not-a-uuid.tmp",
            ".a.issues.json.0.\(id).tmp",  // kill(0, …) is the process group
            ".a.issues.json.-1.\(id).tmp",  // kill(-1, …) is every process
            ".a.issues.json.+42.\(id).tmp",
            ".a.issues.json.99999999999.\(id).tmp",
            ".a.issues.json..\(id).tmp",
            "a.issues.json",
        ] {
            XCTAssertNil(AtomicFile.TempName(fileName: name, target: target), name)
        }
    }

    func testATempFileIsStaleWhenItsWriterIsGoneOrItIsOld() {
        let now = Date()
        let alive: (pid_t) -> Bool = { _ in true }
        let gone: (pid_t) -> Bool = { _ in false }
        XCTAssertTrue(AtomicFile.isStale(pid: 7, modified: now, now: now, isAlive: gone))
        XCTAssertFalse(AtomicFile.isStale(pid: 7, modified: now.addingTimeInterval(-60), now: now, isAlive: alive))
        // A pid reused by an unrelated process does not keep a leftover forever.
        XCTAssertTrue(AtomicFile.isStale(pid: 7, modified: now.addingTimeInterval(-11 * 60), now: now, isAlive: alive))
        // Clock skew: a date in the future is not old.
        XCTAssertFalse(AtomicFile.isStale(pid: 7, modified: now.addingTimeInterval(3600), now: now, isAlive: alive))
    }

    func testAProcessIsAliveUntilReaped() throws {
        XCTAssertTrue(AtomicFile.processIsAlive(getpid()))
        XCTAssertFalse(AtomicFile.processIsAlive(try Self.pidOfAFinishedProcess()))
    }

    // MARK: Saving the cache

    func testSaveRemovesOnlyThisCachesTempFilesOfDeadWriters() throws {
        let dead = try Self.pidOfAFinishedProcess()
        let target = store.fileURL.lastPathComponent
        let stale = try makeTempFile(target: target, pid: dead)
        let live = try makeTempFile(target: target, pid: getpid())
        let otherCache = try makeTempFile(target: "github_com_acme_other.issues.json", pid: dead)
        let otherTool = [
            ".\(target).tmp", "\(target).\(dead).\(UUID().uuidString).tmp", ".\(target).\(dead).\(UUID().uuidString).tmp.keep",
            "notes.txt", "github_com_acme_demo.lock",
        ]
        for name in otherTool { try Data("theirs".utf8).write(to: directory.appendingPathComponent(name)) }
        // A symbolic link named like a leftover is not a file we wrote.
        let linkTarget = directory.deletingLastPathComponent().appendingPathComponent("precious")
        try Data("precious".utf8).write(to: linkTarget)
        let link = directory.appendingPathComponent(AtomicFile.TempName(target: target, pid: dead, id: UUID()).fileName)
        try FileManager.default.createSymbolicLink(at: link, withDestinationURL: linkTarget)

        let cache = IssueCache(issues: [1: issue(1, ["status-02:awaiting-planning"])])
        try store.save(cache)

        XCTAssertFalse(FileManager.default.fileExists(atPath: stale.path), "the dead writer's leftover stays")
        let names = Set(try FileManager.default.contentsOfDirectory(atPath: directory.path))
        let expected = Set(otherTool + [live.lastPathComponent, otherCache.lastPathComponent, link.lastPathComponent, target])
        XCTAssertEqual(names, expected)
        XCTAssertEqual(try Data(contentsOf: linkTarget), Data("precious".utf8))
        XCTAssertEqual(try store.load().cache, cache)
    }

    func testSaveRemovesALeftoverOlderThanTenMinutesEvenWhenItsPidRuns() throws {
        let target = store.fileURL.lastPathComponent
        let old = try makeTempFile(target: target, pid: getpid())
        try FileManager.default.setAttributes([.modificationDate: Date().addingTimeInterval(-11 * 60)], ofItemAtPath: old.path)
        let recent = try makeTempFile(target: target, pid: getpid())
        try store.save(IssueCache(issues: [1: issue(1, [])]))
        XCTAssertFalse(FileManager.default.fileExists(atPath: old.path))
        XCTAssertTrue(FileManager.default.fileExists(atPath: recent.path))
    }

    // MARK: Helpers

    /// A temp file as a writer of `target` with `pid` would have left it, half a cache long.
    private func makeTempFile(target: String, pid: pid_t) throws -> URL {
        let url = directory.appendingPathComponent(AtomicFile.TempName(target: target, pid: pid, id: UUID()).fileName)
        try Data(#"{"version": 1, "issues": {"1": {"numb"#.utf8).write(to: url)
        return url
    }

    /// The pid of a process that ran and was reaped: nothing has it until the kernel reuses it.
    static func pidOfAFinishedProcess() throws -> pid_t {
        var pid: pid_t = 0
        var arguments: [UnsafeMutablePointer<CChar>?] = [strdup("/bin/true"), nil]
        defer { arguments.forEach { free($0) } }
        let spawned = posix_spawn(&pid, "/bin/true", nil, nil, &arguments, environ)
        guard spawned == 0 else { throw HarnessError("cannot run /bin/true: \(String(cString: strerror(spawned)))") }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) == -1 && errno == EINTR {}
        return pid
    }
}
