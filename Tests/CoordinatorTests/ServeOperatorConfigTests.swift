import XCTest
@testable import Coordinator

/// `[serve.operators.NAME]`: who may use `serve`'s API, with which role; tokens kept as digests.
final class ServeOperatorConfigTests: XCTestCase {
    let base = MinimalConfig.toml

    func parse(_ serve: String, environment: [String: String] = [:]) throws -> ServeSettings {
        try ConfigLoader.parse(base + "[serve]\n" + serve, path: "/etc/c.toml", environment: environment).serve
    }

    /// The error for `serve`, which must name the file, the operator's section and `field`.
    func error(_ serve: String, environment: [String: String] = [:], field: String, file: StaticString = #filePath, line: UInt = #line) -> String {
        do {
            _ = try parse(serve, environment: environment)
            XCTFail("accepted:\n\(serve)", file: file, line: line)
            return ""
        } catch {
            let text = "\(error)"
            XCTAssertTrue(text.contains("/etc/c.toml") && text.contains("[serve.operators") && text.contains(field), text, file: file, line: line)
            return text
        }
    }

    func testTheDigestIsSHA256OfTheTokensUTF8() throws {
        // echo -n hello | sha256sum
        XCTAssertEqual(TokenDigest(of: "hello"), TokenDigest(hex: "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824"))
        XCTAssertEqual(TokenDigest(of: "hello"), TokenDigest(hex: "2CF24DBA5FB0A30E26E83B2AC5B9E29E1B161E5C1FA7425E73043362938B9824"))
        XCTAssertNotEqual(TokenDigest(of: "hello "), TokenDigest(of: "hello"))
    }

    func testOperatorsAreReadByNameWithTheirRoles() throws {
        let tokenDigest = TokenDigest(of: "bob-token").bytes.map { String(format: "%02x", $0) }.joined()
        let serve = try parse("""
            [serve.operators.carol]
            token_env = "CAROL_TOKEN"
            role = "operate"
            [serve.operators.bob]
            token_sha256 = "\(tokenDigest)"
            role = "read"
            """, environment: ["CAROL_TOKEN": "carol-token"])
        XCTAssertEqual(serve.operators, [
            ServeOperator(name: "bob", role: .read, tokenDigest: TokenDigest(of: "bob-token")),
            ServeOperator(name: "carol", role: .operate, tokenDigest: TokenDigest(of: "carol-token")),
        ])
        XCTAssertEqual(serve.allOperators, serve.operators, "no api_token, no operator api")
    }

    func testTheSingleAPITokenIsTheOperatorAPIWithRoleOperate() throws {
        let serve = try parse("api_token = \"old-token\"\n[serve.operators.bob]\ntoken_env = \"BOB\"\nrole = \"read\"\n", environment: ["BOB": "bob-token"])
        XCTAssertEqual(serve.allOperators.map(\.name), ["bob", "api"])
        XCTAssertEqual(serve.allOperators.last, ServeOperator(name: "api", role: .operate, tokenDigest: TokenDigest(of: "old-token")))
        let fromEnvironment = try parse("", environment: ["COORDINATOR_API_TOKEN": "env-token"])
        XCTAssertEqual(fromEnvironment.allOperators, [ServeOperator(name: "api", role: .operate, tokenDigest: TokenDigest(of: "env-token"))])
    }

    func testBothOrNeitherTokenSourceIsRefused() {
        _ = error("[serve.operators.bob]\nrole = \"read\"\n", field: "token_sha256")
        let both = error(
            "[serve.operators.bob]\nrole = \"read\"\ntoken_env = \"BOB\"\ntoken_sha256 = \"\(String(repeating: "ab", count: 32))\"\n",
            environment: ["BOB": "x"], field: "token_sha256")
        XCTAssertTrue(both.contains("not both"), both)
    }

    func testADigestThatIsNot64HexDigitsIsRefused() {
        for bad in [String(repeating: "a", count: 63), String(repeating: "a", count: 65), String(repeating: "g", count: 64), "", "secret-token"] {
            let text = error("[serve.operators.bob]\nrole = \"read\"\ntoken_sha256 = \"\(bad)\"\n", field: "token_sha256")
            XCTAssertTrue(text.contains("64 hexadecimal"), text)
            if !bad.isEmpty { XCTAssertFalse(text.contains(bad), "the value is not echoed: \(text)") }
        }
    }

    /// Only `serve` needs the tokens: the config loads for a cron `run` or a console without the
    /// variable, and `serve` is given the problem to refuse to start with.
    func testAnUnsetOrEmptyTokenVariableStopsOnlyServe() throws {
        for environment in [[:], ["BOB_TOKEN": ""]] {
            let serve = try parse("[serve.operators.bob]\nrole = \"read\"\ntoken_env = \"BOB_TOKEN\"\n", environment: environment)
            XCTAssertEqual(serve.operators, [], "bob is left out")
            let text = try XCTUnwrap(serve.operatorsProblem).description
            XCTAssertTrue(text.contains("BOB_TOKEN") && text.contains("/etc/c.toml") && text.contains("serve.operators.bob"), text)
        }
        let set = try parse("[serve.operators.bob]\nrole = \"read\"\ntoken_env = \"BOB_TOKEN\"\n", environment: ["BOB_TOKEN": "t"])
        XCTAssertNil(set.operatorsProblem)
        XCTAssertEqual(set.operators.map(\.name), ["bob"])
    }

    func testATokenWithALineBreakIsRefusedWithoutQuotingIt() {
        let text = error(
            "[serve.operators.bob]\nrole = \"read\"\ntoken_env = \"BOB\"\n", environment: ["BOB": "abc\ndef-secret"], field: "token_env")
        XCTAssertFalse(text.contains("def-secret"), text)
    }

    func testAnUnknownOrMissingRoleIsRefused() {
        let unknown = error("[serve.operators.bob]\nrole = \"admin\"\ntoken_env = \"BOB\"\n", environment: ["BOB": "x"], field: "role")
        XCTAssertTrue(unknown.contains("'admin'") && unknown.contains("operate"), unknown)
        _ = error("[serve.operators.bob]\ntoken_env = \"BOB\"\n", environment: ["BOB": "x"], field: "role")
    }

    func testANameThatIsNotASimpleIdentifierIsRefused() {
        for name in ["\"bob smith\"", "\"1bob\"", "\"bob.smith\"", "\"\"", "\"bøb\\nx\"", "\"\(String(repeating: "b", count: 65))\""] {
            let text = error("[serve.operators.\(name)]\nrole = \"read\"\ntoken_env = \"BOB\"\n", environment: ["BOB": "x"], field: "name \"")
            XCTAssertFalse(text.contains("\n"), text)
            if name.allSatisfy(\.isASCII) { XCTAssertTrue(text.contains("name \(name)"), text) }
        }
        XCTAssertNoThrow(try parse("[serve.operators.Bob_2-x]\nrole = \"read\"\ntoken_env = \"BOB\"\n", environment: ["BOB": "x"]))
    }

    func testTwoOperatorsWithTheSameTokenAreRefused() {
        let text = error("""
            [serve.operators.bob]
            role = "read"
            token_env = "BOB"
            [serve.operators.carol]
            role = "operate"
            token_sha256 = "\(TokenDigest(of: "shared-token").bytes.map { String(format: "%02x", $0) }.joined())"
            """, environment: ["BOB": "shared-token"], field: "token")
        XCTAssertTrue(text.contains("serve.operators.bob") && text.contains("serve.operators.carol"), text)
        XCTAssertFalse(text.contains("shared-token"), text)
        let withAPIToken = error(
            "api_token = \"shared-token\"\n[serve.operators.bob]\nrole = \"read\"\ntoken_env = \"BOB\"\n",
            environment: ["BOB": "shared-token"], field: "token")
        XCTAssertTrue(withAPIToken.contains("api_token"), withAPIToken)
    }

    func testAnOperatorNamedAPIBesideTheAPITokenIsRefused() {
        _ = error("api_token = \"t1\"\n[serve.operators.api]\nrole = \"read\"\ntoken_env = \"T\"\n", environment: ["T": "t2"], field: "name")
        XCTAssertNoThrow(try parse("[serve.operators.api]\nrole = \"read\"\ntoken_env = \"T\"\n", environment: ["T": "t2"]))
    }

    func testUnknownKeysAreRefused() {
        _ = error("[serve.operators.bob]\nrole = \"read\"\ntoken_env = \"BOB\"\ntoken = \"x\"\n", environment: ["BOB": "x"], field: "token")
    }
}
