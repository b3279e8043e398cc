import Foundation
import XCTest
@testable import Coordinator

/// Busy-since of issues we did not dispatch (SPEC §12): asked of GitHub in batches, remembered in
/// `NAME.busy-since.json` against the issue's `updated_at` and busy label, so a new process asks
/// only about issues that changed; what a batch cannot answer is asked per issue.
final class BusySinceNotesTests: XCTestCase {
    var dir: URL!
    var store: IssueCacheStore!
    let now = Date(timeIntervalSince1970: 1_800_000_000)
    let implementing = "status-06:implementing"

    override func setUpWithError() throws {
        dir = try makeTemporaryDirectory()
        store = IssueCacheStore(directory: dir.path, repo: demoRepo.repo)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: dir)
    }

    /// Issues 1…`count` holding the implementing label, each labeled an hour before `now`.
    func busyGitHub(_ count: Int) async -> (FakeGitHub, [Issue]) {
        let issues = (1...count).map { issue($0, [implementing]) }
        let github = FakeGitHub(issues)
        for number in 1...count {
            await github.setEvents(number, [IssueLabelEvent(action: .labeled, label: implementing, at: now - 3600, actor: "bot")])
        }
        return (github, issues)
    }

    /// A new watch over a new service, as a new process has.
    func newWatch(_ github: FakeGitHub) -> BusyWatch {
        BusyWatch(service: fakeService(store: store, github: github))
    }

    func testFiftyIssuesPerLookupAndANewProcessAsksNothingAboutUnchangedIssues() async throws {
        let (github, issues) = await busyGitHub(120)
        let first = await newWatch(github).survey(issues, now: now)
        XCTAssertEqual(first.compactMap(\.busySince).count, 120)
        var calls = await github.lastLabeledCalls
        XCTAssertEqual(calls.map(\.count), [50, 50, 20])
        XCTAssertEqual(try FileManager.default.attributesOfItem(atPath: store.busySinceURL.path)[.posixPermissions] as? Int, 0o600)

        let second = await newWatch(github).survey(issues, now: now)
        XCTAssertEqual(second.map(\.busySince), first.map(\.busySince))
        XCTAssertEqual(second.map(\.busySinceSource), first.map(\.busySinceSource))
        calls = await github.lastLabeledCalls
        XCTAssertEqual(calls.count, 3, "the second process read the notes")
    }

    func testOnlyTheIssueThatChangedIsAskedAgain() async throws {
        let (github, issues) = await busyGitHub(3)
        _ = await newWatch(github).survey(issues, now: now)
        var changed = issues
        changed[1].updatedAt = Timestamp.parse("2026-11-25T10:00:00Z")
        await github.setEvents(2, [IssueLabelEvent(action: .labeled, label: implementing, at: now - 60, actor: "bot")])
        let seen = await newWatch(github).survey(changed, now: now)
        let calls = await github.lastLabeledCalls
        XCTAssertEqual(calls, [[1, 2, 3], [2]])
        XCTAssertEqual(seen.first { $0.number == 2 }?.busySince, now - 60)
        XCTAssertEqual(seen.first { $0.number == 1 }?.busySince, now - 3600)
    }

    func testAnotherBusyLabelIsAskedAgainAndNoneFoundIsRemembered() async throws {
        let github = FakeGitHub([issue(1, [implementing]), issue(2, [implementing])])
        await github.setEvents(1, [IssueLabelEvent(action: .labeled, label: implementing, at: now - 600, actor: "bot")])
        _ = await newWatch(github).survey([issue(1, [implementing]), issue(2, [implementing])], now: now)
        let seen = await newWatch(github).survey([issue(1, ["status-03:planning"]), issue(2, [implementing])], now: now)
        let calls = await github.lastLabeledCalls
        XCTAssertEqual(calls, [[1, 2], [1]], "#2 has no labeled event: remembered as none found")
        XCTAssertNil(seen.first { $0.number == 2 }?.busySince)
        let notes = BusySinceNotes.read(store.busySinceURL).notes.byIssue
        XCTAssertEqual(notes[1]?.busyLabel, "status-03:planning")
        XCTAssertNil(notes[1]?.since, "the fake has no planning event")
        XCTAssertEqual(notes[2], BusySinceNote(issueUpdatedAt: try XCTUnwrap(issue(2, []).updatedAt), busyLabel: implementing, since: nil))
    }

    func testALabelOlderThanTheNewestLabelEventsIsReadFromThatIssuesEventsAlone() async throws {
        let (github, issues) = await busyGitHub(3)
        let relabelled = [IssueLabelEvent(action: .labeled, label: implementing, at: now - 7200, actor: "bot")]
            + (1...25).map { IssueLabelEvent(action: .labeled, label: "note-\($0)", at: now - 7000 + Double($0), actor: "alice") }
        await github.setEvents(2, relabelled)
        let seen = await newWatch(github).survey(issues, now: now)
        XCTAssertEqual(seen.first { $0.number == 2 }?.busySince, now - 7200)
        let (batches, rest) = (await github.lastLabeledCalls, await github.eventCalls)
        XCTAssertEqual(batches, [[1, 2, 3]])
        XCTAssertEqual(rest, 1, "one REST read, for #2 only")
    }

    func testAFailedLookupLeavesBusySinceUnknownNotStuckAndIsAskedAgain() async throws {
        let (github, issues) = await busyGitHub(120)
        await github.setFailLastLabeled(true)
        let seen = await newWatch(github).survey(issues, now: now + 86_400)
        XCTAssertEqual(seen.compactMap(\.busySince), [])
        XCTAssertEqual(seen.filter(\.isStuck), [])
        var calls = await github.lastLabeledCalls
        XCTAssertEqual(calls.count, 1, "the first failed batch ends the asking")
        XCTAssertFalse(FileManager.default.fileExists(atPath: store.busySinceURL.path))

        await github.setFailLastLabeled(false)
        let again = await newWatch(github).survey(issues, now: now)
        XCTAssertEqual(again.compactMap(\.busySince).count, 120)
        calls = await github.lastLabeledCalls
        XCTAssertEqual(calls.count, 4)
    }

    func testNotesOfIssuesNoLongerBusyAreDropped() async throws {
        let (github, issues) = await busyGitHub(3)
        let watch = newWatch(github)
        _ = await watch.survey(issues, now: now)
        _ = await watch.survey([issues[0], issue(2, ["status-07:code-review"]), issue(3, [implementing], state: .closed)], now: now)
        XCTAssertEqual(BusySinceNotes.read(store.busySinceURL).notes.byIssue.keys.sorted(), [1])
        _ = await newWatch(github).survey([issue(1, ["status-07:code-review"])], now: now)
        XCTAssertFalse(FileManager.default.fileExists(atPath: store.busySinceURL.path), "nothing busy: no notes")
    }

    func testWhileARunHoldsTheLockTheNotesWaitForALaterSurvey() async throws {
        let (github, issues) = await busyGitHub(2)
        try store.ensureDirectory()
        let run = try await RepoLock.acquire(path: store.lockPath, timeout: .seconds(1))
        let watch = newWatch(github)
        let seen = await watch.survey(issues, now: now)
        XCTAssertEqual(seen.compactMap(\.busySince).count, 2, "answered all the same")
        XCTAssertFalse(FileManager.default.fileExists(atPath: store.busySinceURL.path))
        run.release()
        _ = await watch.survey(issues, now: now)
        XCTAssertEqual(BusySinceNotes.read(store.busySinceURL).notes.byIssue.keys.sorted(), [1, 2])
        let calls = await github.lastLabeledCalls
        XCTAssertEqual(calls.count, 1, "the second survey wrote what the first learnt, asking nothing")
    }

    func testADamagedNotesFileIsIgnoredAndReplaced() async throws {
        try store.ensureDirectory()
        try Data("{\"version\":1,\"issues\":{\"1\":{\"busy_label\":7}}".utf8).write(to: store.busySinceURL)
        let read = BusySinceNotes.read(store.busySinceURL)
        XCTAssertEqual(read.notes, BusySinceNotes())
        XCTAssertNotNil(read.problem)

        let (github, issues) = await busyGitHub(2)
        let seen = await newWatch(github).survey(issues, now: now)
        XCTAssertEqual(seen.compactMap(\.busySince).count, 2)
        let replaced = BusySinceNotes.read(store.busySinceURL)
        XCTAssertNil(replaced.problem)
        XCTAssertEqual(replaced.notes.byIssue.keys.sorted(), [1, 2])
    }

    func testNotesRoundTrip() throws {
        try store.ensureDirectory()
        let notes = BusySinceNotes([
            4: BusySinceNote(issueUpdatedAt: try XCTUnwrap(Timestamp.parse("2026-11-24T09:00:00Z")), busyLabel: implementing, since: Timestamp.parse("2026-11-24T08:00:00Z")),
            5: BusySinceNote(issueUpdatedAt: try XCTUnwrap(Timestamp.parse("2026-11-24T09:01:00Z")), busyLabel: "status-03:planning", since: nil),
        ])
        try notes.write(to: store.busySinceURL)
        XCTAssertEqual(BusySinceNotes.read(store.busySinceURL), BusySinceNotes.Read(notes: notes, problem: nil))
        let text = try String(contentsOf: store.busySinceURL, encoding: .utf8)
        XCTAssertTrue(text.contains(#""5":{"busy_label":"status-03:planning","issue_updated_at":"2026-11-24T09:01:00Z","since":null}"#), text)
    }
}
