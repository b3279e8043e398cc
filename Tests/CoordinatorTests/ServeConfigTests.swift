import XCTest
@testable import Coordinator

/// `[serve]`: optional for every other command, validated like the rest of the file.
final class ServeConfigTests: XCTestCase {
    let base = MinimalConfig.toml

    func testWithoutTheTableServeHasDefaultsAndNoSecret() throws {
        let serve = try ConfigLoader.parse(base, path: "c.toml").serve
        XCTAssertNil(serve.webhookSecret)
        XCTAssertNil(serve.apiToken)
        XCTAssertEqual(serve.pollSeconds, 300)
        XCTAssertEqual(serve.listen, .init(host: "127.0.0.1", port: 8750))
    }

    func testTableIsRead() throws {
        let serve = try ConfigLoader.parse(base + """
            [serve]
            webhook_secret = "whsec"
            poll_seconds = 0
            listen = "[::1]:9000"
            api_token = "apitok"
            """, path: "c.toml").serve
        XCTAssertEqual(serve.webhookSecret?.reveal(), "whsec")
        XCTAssertEqual(serve.apiToken?.reveal(), "apitok")
        XCTAssertEqual(serve.pollSeconds, 0)
        XCTAssertEqual(serve.listen, .init(host: "::1", port: 9000))
        XCTAssertEqual(serve.listen.description, "[::1]:9000")
    }

    func testEnvironmentWins() throws {
        let serve = try ConfigLoader.parse(
            base + "[serve]\nwebhook_secret = \"file\"\napi_token = \"file\"\n", path: "c.toml",
            environment: ["GITHUB_WEBHOOK_SECRET": "from-env", "COORDINATOR_API_TOKEN": "env-token"]
        ).serve
        XCTAssertEqual(serve.webhookSecret?.reveal(), "from-env")
        XCTAssertEqual(serve.apiToken?.reveal(), "env-token")
    }

    func testBadValuesNameFileSectionAndKey() {
        for (line, field) in [
            ("poll_seconds = -1", "poll_seconds"), ("poll_seconds = 86401", "poll_seconds"), ("poll_seconds = \"5\"", "poll_seconds"),
            ("listen = \"8750\"", "listen"), ("listen = \"host:99999\"", "listen"), ("listen = \":80\"", "listen"),
            ("listen = \"a b:80\"", "listen"), ("webhook_secret = 5", "webhook_secret"),
        ] {
            XCTAssertThrowsError(try ConfigLoader.parse(base + "[serve]\n\(line)\n", path: "/etc/c.toml"), line) { error in
                let text = "\(error)"
                XCTAssertTrue(text.contains("/etc/c.toml") && text.contains("serve") && text.contains(field), "\(line): \(text)")
            }
        }
    }

    func testAnAPITokenWithALineBreakIsRefusedWithoutQuotingIt() {
        XCTAssertThrowsError(try ConfigLoader.parse(base + "[serve]\napi_token = \"abc\\ndef-secret\"\n", path: "c.toml")) { error in
            XCTAssertFalse("\(error)".contains("def-secret"))
            XCTAssertTrue("\(error)".contains("api_token"))
        }
    }

    func testListenAddressParsing() {
        XCTAssertEqual(ServeSettings.ListenAddress(parsing: "0.0.0.0:0"), .init(host: "0.0.0.0", port: 0))
        XCTAssertEqual(ServeSettings.ListenAddress(parsing: "localhost:65535"), .init(host: "localhost", port: 65535))
        for bad in ["", ":", "h:", "h:-1", "h:65536", "h:+80", "h:99999999999999999999", "h:８０"] {
            XCTAssertNil(ServeSettings.ListenAddress(parsing: bad), bad)
        }
    }
}
