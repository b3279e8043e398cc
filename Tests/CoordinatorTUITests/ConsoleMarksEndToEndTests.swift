import Foundation
import XCTest
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// Marks and the bulk unstick in `coordinator demo` through tmux: the Sandbox's labels and the
/// history file say what really happened.
final class ConsoleMarksEndToEndTests: XCTestCase {
    private let tmux = TmuxSession(prefix: "coordinator-marks")
    private var workdir = ""

    private static var binary: String {
        URL(fileURLWithPath: "\(#filePath)").deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent(".build/debug/coordinator").path
    }

    override func setUpWithError() throws {
        workdir = NSTemporaryDirectory() + "coordinator-marks-\(UUID().uuidString)"
    }

    override func tearDown() {
        tmux.kill()
        try? FileManager.default.removeItem(atPath: workdir)
    }

    /// The demo's mcp_coder holds three issues a bot never finished (#103 planning, #107
    /// implementing, #111 creating its PR; no build of ours, so stuck at once in the demo).
    func testThreeMarkedStuckIssuesAreUnstuckBackToTheirPickupLabelsAfterOneConfirmation() async throws {
        XCTAssertTrue(FileManager.default.isExecutableFile(atPath: Self.binary), "build the package first: \(Self.binary)")
        let port = try LoopbackPort.free()
        let command = "env LANG=C.UTF-8 TERM=xterm-256color \(Self.binary) demo --port \(port) --workdir \(workdir); echo \"demo exit status $?\"; sleep 600"
        try tmux.run("new-session", "-d", "-x", "160", "-y", "40", command)
        _ = try await tmux.waitFor("live data for every repo") { $0.components(separatedBy: "updated ").count > 3 }

        // The busy view; each issue found with the filter and marked with Space.
        try keys("v", "v")
        _ = try await tmux.waitFor("#103, #107 and #111 stuck in the busy view") { screen in
            screen.contains("view: busy") && ["#103", "#107", "#111"].allSatisfy { number in
                screen.split(separator: "\n").contains { $0.contains(number) && $0.contains("✗ ") }
            }
        }
        for (count, number) in ["103", "107", "111"].enumerated() {
            try keys("/")
            try keys(number.map(String.init) + ["Enter"])
            _ = try await tmux.waitFor("#\(number) alone") { $0.contains("/\(number)") && $0.contains("busy (1)") }
            try keys("Space", "/", "Escape")
            _ = try await tmux.waitFor("\(count + 1) marked") { $0.contains("\(count + 1) marked in mcp_coder") && !$0.contains("filter:") }
        }
        var screen = try await tmux.waitFor("the three marks in the list") { screen in
            screen.split(separator: "\n").filter { $0.contains("││● ") }.count == 3
        }

        // u asks the target once, p, then one confirmation naming each move.
        try keys("u")
        screen = try await tmux.waitFor("the choice") { $0.contains("Unstick 3 marked issues of mcp_coder") }
        try keys("p")
        screen = try await tmux.waitFor("the confirmation") { $0.contains("Confirm unstick") }
        XCTAssertTrue(screen.contains("#103 status-03:planning → status-02:awaiting-planning"), screen)
        XCTAssertTrue(screen.contains("#107 status-06:implementing → status-05:plan-ready"), screen)
        XCTAssertTrue(screen.contains("#111 status-09:pr-creating → status-08:ready-pr"), screen)
        try keys("y")
        screen = try await tmux.waitFor("the summary") { $0.contains("unstuck 3 of 3: #103 #107 #111") }
        XCTAssertFalse(screen.contains("marked in mcp_coder"), "the moved issues are unmarked: \(screen)")

        // GitHub (the Sandbox) has each back at its pickup label ...
        for (number, label) in [(103, "status-02:awaiting-planning"), (107, "status-05:plan-ready"), (111, "status-08:ready-pr")] {
            let issue = try await sandboxJSON(port, "/_sandbox/repos/acme/mcp_coder/issues/\(number)") as? [String: Any]
            XCTAssertEqual(issue?["labels"] as? [String], [label], "#\(number)")
        }
        // ... and the history holds one reset per issue, recorded by the core.
        let history = URL(fileURLWithPath: workdir).appendingPathComponent("cache/github_com_acme_mcp_coder.dispatches.jsonl")
        let records = try String(contentsOf: history, encoding: .utf8).split(separator: "\n").compactMap {
            try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
        }
        let resets = records.filter { $0["event"] as? String == "reset" }.compactMap { $0["issue"] as? Int }
        XCTAssertEqual(resets.sorted(), [103, 107, 111], "\(records)")

        try keys("q")
        screen = try await tmux.waitFor("the exit message") { $0.contains("demo exit status") }
        XCTAssertTrue(screen.contains("demo exit status 0"), screen)
    }

    private func keys(_ keys: String...) throws {
        try self.keys(keys)
    }

    private func keys(_ keys: [String]) throws {
        for key in keys { try tmux.run("send-keys", "-t", "0", key) }
    }

    private func sandboxJSON(_ port: Int, _ path: String) async throws -> Any {
        let url = try XCTUnwrap(URL(string: "http://127.0.0.1:\(port)\(path)"))
        let (data, _) = try await URLSession.shared.data(from: url)
        return try JSONSerialization.jsonObject(with: data)
    }
}
