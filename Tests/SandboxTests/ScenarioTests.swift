import Foundation
import Sandbox
import XCTest

final class ScenarioTests: XCTestCase {
    private let statusLabels = [
        "status-01:created", "status-02:awaiting-planning", "status-03:planning", "status-04:plan-review",
        "status-05:plan-ready", "status-06:implementing", "status-07:code-review", "status-08:ready-pr",
        "status-09:pr-creating", "status-10:pr-created",
    ]

    func testExampleCoversWhatTheCoordinatorNeeds() throws {
        XCTAssertTrue(FileManager.default.fileExists(atPath: Scenario.exampleURL.path))
        let scenario = try Scenario.example()
        let repos = scenario.github.repositories
        XCTAssertEqual(repos.map { "\($0.owner)/\($0.name)" }, ["acme/mcp_coder", "acme/web.site", "acme/infra"])
        let issues = repos.flatMap(\.issues)
        XCTAssertGreaterThanOrEqual(issues.count, 38)
        let used = Set(issues.flatMap(\.labels))
        for label in statusLabels + ["Overview", "blocked", "wait"] {
            XCTAssertTrue(used.contains(label), "\(label) is used by some issue")
        }
        let defined = Dictionary(uniqueKeysWithValues: scenario.github.labels.map { ($0.name, $0.color) })
        XCTAssertEqual(defined["status-02:awaiting-planning"], "6ee7b7")
        XCTAssertEqual(defined["status-10:pr-created"], "8b5cf6")
        let pickup: Set = ["status-02:awaiting-planning", "status-05:plan-ready", "status-08:ready-pr"]
        let busy: Set = ["status-03:planning", "status-06:implementing", "status-09:pr-creating"]
        XCTAssertTrue(issues.contains { !pickup.isDisjoint(with: $0.labels) && !busy.isDisjoint(with: $0.labels) }, "a conflict")
        XCTAssertTrue(issues.contains { $0.pullRequest })
        XCTAssertTrue(issues.contains { $0.state == "closed" })
        XCTAssertTrue(issues.contains { $0.title.unicodeScalars.contains { $0.properties.isEmoji && $0.value > 0x2000 } })
        XCTAssertTrue(used.contains { $0.unicodeScalars.contains { $0.properties.isEmoji && $0.value > 0x2000 } })
        for count in 0...2 {
            XCTAssertTrue(issues.contains { $0.linkedBranches.count == count && !$0.pullRequest }, "\(count) linked branches")
        }
        XCTAssertEqual(scenario.github.tokens.first?.token, "ghp_sandbox_example_token")
        XCTAssertEqual(scenario.jenkins.users.first?.username, "bot")
        XCTAssertEqual(scenario.jenkins.users.first?.apiToken, "sandbox-jenkins-token")
        XCTAssertEqual(scenario.jenkins.jobs.map(\.path), [
            "Coordinator/mcp_coder/executor", "Coordinator/web.site/executor", "Coordinator/infra/executor",
        ])
    }

    func testScenarioRoundTripsThroughJSON() throws {
        let scenario = try Scenario.example()
        let data = try JSONEncoder().encode(scenario)
        XCTAssertEqual(try Scenario.decode(data), scenario)
    }

    private func write(_ text: String) throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("scenario-\(UUID().uuidString).json")
        try Data(text.utf8).write(to: url)
        addTeardownBlock { try? FileManager.default.removeItem(at: url) }
        return url
    }

    private func loadError(_ text: String) throws -> ScenarioError {
        let url = try write(text)
        do {
            _ = try Scenario.load(from: url)
        } catch let error as ScenarioError {
            XCTAssertEqual(error.file, url.path)
            XCTAssertTrue(error.description.contains(url.path), error.description)
            return error
        }
        XCTFail("no error thrown for \(text)")
        throw NoErrorThrown()
    }

    private struct NoErrorThrown: Error {}

    private let minimal = #"{"github":{"tokens":[{"token":"t"}],"repositories":[{"owner":"o","name":"r","issues":[ISSUES]}]},"jenkins":{"users":[{"username":"u","api_token":"k"}],"jobs":[{"path":"A/B"}]}}"#

    func testMalformedJSONNamesTheFile() throws {
        let error = try loadError(#"{"github": {"tokens": [}"#)
        XCTAssertTrue(error.problem.contains("not valid JSON"), error.description)
    }

    func testWrongTypeNamesThePath() throws {
        let error = try loadError(minimal.replacingOccurrences(of: "ISSUES", with: #"{"number":"seven","title":"x","created_at":"2026-11-24T10:00:00Z"}"#))
        XCTAssertEqual(error.location, "github.repositories[0].issues[0].number")
        XCTAssertEqual(error.problem, "expected an integer")
    }

    func testMissingKeyAndBadTimestampAndDuplicates() throws {
        let missing = try loadError(minimal.replacingOccurrences(of: "ISSUES", with: #"{"number":1,"created_at":"2026-11-24T10:00:00Z"}"#))
        XCTAssertTrue(missing.problem.contains("\"title\""), missing.description)
        let stamp = try loadError(minimal.replacingOccurrences(of: "ISSUES", with: #"{"number":1,"title":"x","created_at":"24.11.2026"}"#))
        XCTAssertEqual(stamp.location, "github.repositories[0].issues[0].created_at")
        let issue = #"{"number":1,"title":"x","created_at":"2026-11-24T10:00:00Z"}"#
        let duplicate = try loadError(minimal.replacingOccurrences(of: "ISSUES", with: issue + "," + issue))
        XCTAssertTrue(duplicate.problem.contains("used twice"), duplicate.description)
        let state = try loadError(minimal.replacingOccurrences(of: "ISSUES", with: #"{"number":1,"title":"x","state":"merged","created_at":"2026-11-24T10:00:00Z"}"#))
        XCTAssertEqual(state.location, "github.repositories[0].issues[0].state")
    }

    func testUnreadableFile() throws {
        let url = URL(fileURLWithPath: "/nonexistent/scenario.json")
        XCTAssertThrowsError(try Scenario.load(from: url)) { error in
            XCTAssertTrue("\(error)".contains("/nonexistent/scenario.json"), "\(error)")
        }
    }

    func testAJobLogIsReadAndItsRateChecked() throws {
        let issue = #"{"number":1,"title":"x","created_at":"2026-11-24T10:00:00Z"}"#
        let withLog = minimal.replacingOccurrences(of: "ISSUES", with: issue)
            .replacingOccurrences(of: #"{"path":"A/B"}"#, with: #"{"path":"A/B","log":{"lines":["\u001b[31mred\u001b[0m","plain"],"lines_per_second":2.5}}"#)
        let scenario = try Scenario.decode(Data(withLog.utf8))
        XCTAssertEqual(scenario.jenkins.jobs[0].log, Scenario.Log(lines: ["\u{1B}[31mred\u{1B}[0m", "plain"], linesPerSecond: 2.5))
        XCTAssertEqual(try Scenario.decode(JSONEncoder().encode(scenario)), scenario, "round-trips")
        XCTAssertNil(try Scenario.example().jenkins.jobs[0].log, "the fidelity check reads the default log of this job")
        XCTAssertNotNil(try Scenario.example().jenkins.jobs[2].log?.linesPerSecond)

        let negative = try loadError(withLog.replacingOccurrences(of: "2.5", with: "-1"))
        XCTAssertEqual(negative.location, "jenkins.jobs[0].log.lines_per_second")
        let noLines = try loadError(withLog.replacingOccurrences(of: #""lines":["\u001b[31mred\u001b[0m","plain"],"#, with: ""))
        XCTAssertTrue(noLines.problem.contains("\"lines\""), noLines.description)
    }

    func testMinimalScenarioGetsDefaults() throws {
        let scenario = try Scenario.decode(Data(minimal.replacingOccurrences(of: "ISSUES", with: #"{"number":1,"title":"x","created_at":"2026-11-24T10:00:00Z"}"#).utf8))
        XCTAssertEqual(scenario.github.tokens[0].hourlyQuota, 5000)
        XCTAssertEqual(scenario.github.repositories[0].defaultBranch, "main")
        XCTAssertEqual(scenario.github.repositories[0].issues[0].state, "open")
        XCTAssertFalse(scenario.jenkins.crumb)
    }
}
