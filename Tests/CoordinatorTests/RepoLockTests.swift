import Foundation
import XCTest
@testable import Coordinator

/// The repo lock: exclusive, says who holds it, waits without a thread and can be cancelled.
final class RepoLockTests: XCTestCase {
    var dir: URL!
    var path: String { dir.appendingPathComponent("github_com_acme_demo.lock").path }

    override func setUpWithError() throws {
        dir = try makeTemporaryDirectory()
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: dir)
    }

    let cron = RepoLock.Holder(pid: 4242, host: "build-host", command: "coordinator run --all", since: Date(timeIntervalSince1970: 1_795_000_000))

    func testTheHolderSaysWhoItIsAndForgetsItOnRelease() async throws {
        let lock = try await RepoLock.acquire(path: path, holder: cron)
        XCTAssertEqual(RepoLock.holder(path: path), cron)
        XCTAssertEqual(cron.description, "PID 4242 on build-host (coordinator run --all) since 2026-11-18T11:06:40Z")
        lock.release()
        XCTAssertNil(RepoLock.holder(path: path))
    }

    func testAWaiterIsToldWhomItWaitsForAfterASecondAndGetsTheLockOnRelease() async throws {
        let held = try await RepoLock.acquire(path: path, holder: cron)
        let told = ToldHolders()
        let path = self.path
        let waiter = Task {
            let lock = try await RepoLock.acquire(path: path, waiting: { told.add($0) })
            lock.release()
        }
        try await waitUntil("the waiter names the holder") { told.all.count == 1 }
        XCTAssertEqual(told.all, [cron])
        held.release()
        try await waiter.value
        XCTAssertEqual(told.all.count, 1, "told once")
    }

    func testWaitingCanBeCancelled() async throws {
        let held = try await RepoLock.acquire(path: path, holder: cron)
        defer { held.release() }
        let path = self.path
        let waiter = Task { try await RepoLock.acquire(path: path) }
        try await Task.sleep(for: .milliseconds(100))
        waiter.cancel()
        do {
            let lock = try await waiter.value
            lock.release()
            XCTFail("the lock was taken while held")
        } catch is CancellationError {}
        XCTAssertEqual(RepoLock.holder(path: path), cron, "the waiter left the holder's note alone")
    }

    func testATimeoutNamesTheHolder() async throws {
        let held = try await RepoLock.acquire(path: path, holder: cron)
        defer { held.release() }
        do {
            let lock = try await RepoLock.acquire(path: path, timeout: .milliseconds(200))
            lock.release()
            XCTFail("the lock was taken while held")
        } catch let error as RepoLock.LockError {
            XCTAssertTrue(error.description.contains("held by PID 4242 on build-host (coordinator run --all)"), error.description)
        }
    }

    func testAThousandWaitersNeedNoThreadEach() async throws {
        // Each waiter used to park an OS thread; now they sleep on the cooperative pool.
        let held = try await RepoLock.acquire(path: path, holder: cron)
        let threadsBefore = try Self.threadCount()
        let path = self.path
        let waiters = (0..<1000).map { _ in Task { try await RepoLock.acquire(path: path, timeout: .seconds(60)).release() } }
        try await Task.sleep(for: .milliseconds(200))
        let threadsWhileWaiting = try Self.threadCount()
        XCTAssertLessThan(threadsWhileWaiting - threadsBefore, 50, "waiting took a thread per waiter")
        held.release()
        for waiter in waiters { try await waiter.value }
    }

    private static func threadCount() throws -> Int {
        let status = try String(contentsOfFile: "/proc/self/status", encoding: .utf8)
        let line = status.split(separator: "\n").first { $0.hasPrefix("Threads:") }
        return Int(line?.split(separator: "\t").last ?? "") ?? 0
    }
}

private final class ToldHolders: @unchecked Sendable {
    private let lock = NSLock()
    private var holders: [RepoLock.Holder?] = []

    func add(_ holder: RepoLock.Holder?) { lock.withLock { holders.append(holder) } }
    var all: [RepoLock.Holder?] { lock.withLock { holders } }
}
