import _CryptoExtras
import Foundation
import Sandbox
import XCTest

/// The Sandbox as a GitHub App host: JWTs judged as GitHub judges them, installation tokens that
/// expire and work on their installation's repositories only, uninstalling.
final class GitHubAppHostTests: SandboxTestCase {
    static let appID = 31337
    static let installationID = 4711
    /// Made per run: no private key is committed.
    nonisolated(unsafe) static let key = try! _RSA.Signing.PrivateKey(keySize: .bits2048)
    var ttl = 3600

    override func adjust(_ scenario: inout Scenario) {
        let first = scenario.github.repositories[0]
        scenario.github.apps = [.init(
            id: Self.appID, slug: "sandbox-coordinator", publicKeyPEM: Self.key.publicKey.pemRepresentation,
            installations: [.init(id: Self.installationID, account: first.owner, repositories: ["\(first.owner)/\(first.name)"])],
            tokenTTLSeconds: ttl)]
    }

    var repo: (owner: String, name: String) {
        get async throws {
            let first = try XCTUnwrap(try Scenario.example().github.repositories.first)
            return (first.owner, first.name)
        }
    }

    /// A JWT as an App signs it; the times are offsets from now in seconds.
    static func jwt(iat: Int = -60, exp: Int = 540, iss: Int = appID, key: _RSA.Signing.PrivateKey = key) throws -> String {
        func b64(_ data: Data) -> String {
            data.base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
                .replacingOccurrences(of: "=", with: "")
        }
        let now = Int(Date().timeIntervalSince1970)
        let input = b64(Data(#"{"alg":"RS256","typ":"JWT"}"#.utf8)) + "." + b64(Data(#"{"iat":\#(now + iat),"exp":\#(now + exp),"iss":\#(iss)}"#.utf8))
        let signature = try key.signature(for: Data(input.utf8), padding: .insecurePKCS1v1_5)
        return input + "." + b64(signature.rawRepresentation)
    }

    func buyToken() async throws -> String {
        let reply = try await gh("POST", "/app/installations/\(Self.installationID)/access_tokens", token: try Self.jwt())
        XCTAssertEqual(reply.status, 201, reply.text)
        return try XCTUnwrap(reply.object["token"] as? String)
    }

    func testAValidJWTReadsTheAppAndTheRepositorysInstallation() async throws {
        let app = try await gh("/app", token: try Self.jwt())
        XCTAssertEqual(app.status, 200, app.text)
        XCTAssertEqual(app.object["slug"] as? String, "sandbox-coordinator")
        let (owner, name) = try await repo
        let installation = try await gh("/repos/\(owner)/\(name)/installation", token: try Self.jwt())
        XCTAssertEqual(installation.status, 200, installation.text)
        XCTAssertEqual(installation.object["id"] as? Int, Self.installationID)
        XCTAssertEqual((installation.object["permissions"] as? [String: String])?["issues"], "write")
        let list = try await gh("/app/installations", token: try Self.jwt())
        XCTAssertEqual(list.array.compactMap { $0["id"] as? Int }, [Self.installationID])
    }

    func testJWTTimesAreJudgedWithGitHubsMessages() async throws {
        let cases: [(String, Int, Int, String)] = [
            ("issued in the future", 120, 500, "'Issued at' claim ('iat') must be an Integer representing the time that the assertion was issued"),
            ("expired", -700, -100, "'Expiration time' claim ('exp') must be a numeric value representing the future time at which the assertion expires"),
            ("longer than 10 minutes", -60, 600, "'Expiration time' claim ('exp') is too far in the future"),
        ]
        for (what, iat, exp, message) in cases {
            let reply = try await gh("/app", token: try Self.jwt(iat: iat, exp: exp))
            XCTAssertEqual(reply.status, 401, what)
            XCTAssertEqual(reply.object["message"] as? String, message, what)
        }
    }

    func testAJWTSignedWithAnotherKeyIsRefused() async throws {
        let stranger = try _RSA.Signing.PrivateKey(keySize: .bits2048)
        let reply = try await gh("/app", token: try Self.jwt(key: stranger))
        XCTAssertEqual(reply.status, 401)
        XCTAssertEqual(reply.object["message"] as? String, "A JSON web token could not be decoded")
        let token = try await gh("/app", token: Self.token)
        XCTAssertEqual(token.status, 401, "a personal token is no JWT")
    }

    func testAnInstallationTokenWorksOnItsRepositoriesOnly() async throws {
        let token = try await buyToken()
        XCTAssertTrue(token.hasPrefix("ghs_"), token)
        let (owner, name) = try await repo
        let issues = try await gh("/repos/\(owner)/\(name)/issues", token: token)
        XCTAssertEqual(issues.status, 200, issues.text)
        XCTAssertEqual(issues.header("x-ratelimit-limit"), "5000")
        let other = try XCTUnwrap(try Scenario.example().github.repositories.dropFirst().first)
        let elsewhere = try await gh("/repos/\(other.owner)/\(other.name)/issues", token: token)
        XCTAssertEqual(elsewhere.status, 404, "another repository is invisible to the installation")
        let notInstalled = try await gh("/repos/\(other.owner)/\(other.name)/installation", token: try Self.jwt())
        XCTAssertEqual(notInstalled.status, 404)
    }

    func testAnExpiredInstallationTokenIsBadCredentials() async throws {
        let token = try await buyToken()
        await server.setClockOffset(seconds: 3601)
        let (owner, name) = try await repo
        let reply = try await gh("/repos/\(owner)/\(name)/issues", token: token)
        XCTAssertEqual(reply.status, 401)
        XCTAssertEqual(reply.object["message"] as? String, "Bad credentials")
    }

    func testUninstallingRevokesTheTokensAndTheLookup() async throws {
        let token = try await buyToken()
        let removed = try await send("DELETE", server.baseURL + "/_sandbox/github/apps/\(Self.appID)/installations/\(Self.installationID)")
        XCTAssertEqual(removed.status, 204, removed.text)
        let (owner, name) = try await repo
        let reply = try await gh("/repos/\(owner)/\(name)/issues", token: token)
        XCTAssertEqual(reply.status, 401)
        let lookup = try await gh("/repos/\(owner)/\(name)/installation", token: try Self.jwt())
        XCTAssertEqual(lookup.status, 404)
        let exchange = try await gh("POST", "/app/installations/\(Self.installationID)/access_tokens", token: try Self.jwt())
        XCTAssertEqual(exchange.status, 404)
    }
}
