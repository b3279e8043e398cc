import AsyncHTTPClient
import Foundation
import Sandbox
import XCTest

/// Starts a Sandbox per test on an ephemeral port and talks to it with a plain HTTP client,
/// so every assertion is about bytes on the wire, as a real client would see them.
class SandboxTestCase: XCTestCase {
    static let token = "ghp_sandbox_example_token"
    static let jenkinsAuth = "Basic " + Data("bot:sandbox-jenkins-token".utf8).base64EncodedString()

    var server: SandboxServer!
    var client: HTTPClient!

    /// Override to change the example scenario before the server starts.
    func adjust(_ scenario: inout Scenario) {}

    override func setUp() async throws {
        try await super.setUp()
        var scenario = try Scenario.example()
        adjust(&scenario)
        server = try await SandboxServer.start(scenario: scenario)
        // Redirects stay visible (Jenkins answers 303) and nothing waits longer than 10 s.
        client = HTTPClient(
            eventLoopGroupProvider: .singleton,
            configuration: .init(redirectConfiguration: .disallow, timeout: .init(connect: .seconds(5), read: .seconds(10)))
        )
    }

    override func tearDown() async throws {
        try? await client?.shutdown()
        await server?.stop()
        client = nil
        server = nil
        try await super.tearDown()
    }

    struct Reply {
        var status: Int
        var headers: [(String, String)]
        var body: Data

        func header(_ name: String) -> String? {
            headers.first { $0.0.lowercased() == name.lowercased() }?.1
        }

        var text: String { String(decoding: body, as: UTF8.self) }

        var json: Any? { try? JSONSerialization.jsonObject(with: body, options: [.fragmentsAllowed]) }
        var object: [String: Any] { json as? [String: Any] ?? [:] }
        var array: [[String: Any]] { json as? [[String: Any]] ?? [] }
    }

    func send(
        _ method: String, _ url: String, headers: [String: String] = [:], body: Data? = nil,
        timeout: Int64 = 10
    ) async throws -> Reply {
        var request = HTTPClientRequest(url: url)
        request.method = .init(rawValue: method)
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        if let body { request.body = .bytes(body) }
        let response = try await client.execute(request, timeout: .seconds(timeout))
        let buffer = try await response.body.collect(upTo: 16 * 1024 * 1024)
        return Reply(
            status: Int(response.status.code),
            headers: response.headers.map { ($0.name, $0.value) },
            body: Data(buffer.readableBytesView)
        )
    }

    // MARK: GitHub

    var github: String { server.githubAPIURL }

    func gh(
        _ path: String, token: String? = SandboxTestCase.token, headers: [String: String] = [:], base: String? = nil
    ) async throws -> Reply {
        try await gh("GET", path, token: token, headers: headers, base: base)
    }

    func gh(
        _ method: String, _ path: String, json: String? = nil, token: String? = SandboxTestCase.token,
        headers: [String: String] = [:], base: String? = nil
    ) async throws -> Reply {
        var all = headers
        if let token { all["Authorization"] = "Bearer \(token)" }
        all["Accept"] = "application/vnd.github+json"
        if json != nil { all["Content-Type"] = "application/json" }
        return try await send(method, (base ?? github) + path, headers: all, body: json.map { Data($0.utf8) })
    }

    func labelNames(_ reply: Reply) -> [String] {
        reply.array.compactMap { $0["name"] as? String }
    }

    // MARK: Jenkins

    var jenkins: String { server.jenkinsURL }

    func jk(_ path: String, auth: String? = SandboxTestCase.jenkinsAuth) async throws -> Reply {
        try await jk("GET", path, auth: auth)
    }

    func jk(
        _ method: String, _ path: String, form: String? = nil, auth: String? = SandboxTestCase.jenkinsAuth,
        headers: [String: String] = [:]
    ) async throws -> Reply {
        var all = headers
        if let auth { all["Authorization"] = auth }
        if form != nil { all["Content-Type"] = "application/x-www-form-urlencoded" }
        return try await send(method, jenkins + path, headers: all, body: form.map { Data($0.utf8) })
    }

    // MARK: Control

    func control(_ method: String, _ path: String, json: String? = nil) async throws -> Reply {
        try await send(
            method, server.controlURL + path,
            headers: json == nil ? [:] : ["Content-Type": "application/json"], body: json.map { Data($0.utf8) }
        )
    }
}
