import Coordinator
@testable import CoordinatorTUI
import Foundation
import XCTest

/// `console --server` finds `serve` as the headless commands do (`ServerTarget.resolve`): the
/// option, else `[client] server_url` of the config; the token's variable from `[client]`.
final class RemoteOptionsTests: XCTestCase {
    func testTheConsoleAttachesThroughTheClientTableToo() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("coordinator-remote-options-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let config = directory.appendingPathComponent("laptop.toml")
        try Data("[client]\nserver_url = \"https://coordinator.example.com\"\ntoken_env = \"ALICE_TOKEN\"\n".utf8).write(to: config)

        let target = try XCTUnwrap(try RemoteOptions.target(server: nil, configPath: config.path, environment: ["ALICE_TOKEN": "t0ken"]))
        XCTAssertEqual(target.url, "https://coordinator.example.com")
        XCTAssertEqual(target.tokenVariable, "ALICE_TOKEN")
        XCTAssertEqual(
            try RemoteOptions.target(server: "http://127.0.0.1:8750", configPath: config.path, environment: ["ALICE_TOKEN": "t0ken"])?.url,
            "http://127.0.0.1:8750")
        XCTAssertNil(try RemoteOptions.target(server: nil, configPath: directory.appendingPathComponent("none.toml").path, environment: [:]))

        do {
            _ = try RemoteOptions.target(server: "coordinator.example.com", configPath: nil, environment: ["HOME": directory.path])
            XCTFail("a URL without a scheme was accepted")
        } catch let failure as CommandFailure {
            XCTAssertEqual(failure.exitCode, 2)
            XCTAssertTrue(failure.description.hasPrefix("--server: "), failure.description)
        }
        do {
            _ = try RemoteOptions.target(server: nil, configPath: config.path, environment: [:])
            XCTFail("no token, and no error")
        } catch let failure as CommandFailure {
            XCTAssertEqual(failure.exitCode, 1)
            XCTAssertTrue(failure.description.contains("set ALICE_TOKEN"), failure.description)
        }
    }
}
