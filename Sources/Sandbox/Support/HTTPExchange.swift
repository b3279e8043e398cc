import Foundation

/// A request as the simulated services see it, detached from the HTTP server library so the
/// service logic stays plain synchronous code inside one actor.
struct IncomingRequest: Sendable {
    var method: String
    /// Raw path as sent, still percent-encoded: `DELETE …/labels/status-02%3Aawaiting-planning`
    /// must be decoded segment by segment, never as a whole.
    var path: String
    /// Raw query string without `?`, `""` when absent.
    var query: String
    /// Header names lower-cased.
    var headers: [String: String]
    var body: Data
    /// `scheme://host[:port]` the client used, for absolute URLs in bodies and `Link` headers.
    var origin: String

    var pathSegments: [String] {
        path.split(separator: "/", omittingEmptySubsequences: true).map { PercentEncoding.decode($0) }
    }

    var queryPairs: [(String, String)] { PercentEncoding.formPairs(query) }

    func queryValue(_ name: String) -> String? {
        queryPairs.last { $0.0 == name }?.1
    }

    func header(_ name: String) -> String? { headers[name.lowercased()] }
}

/// A response to send, or an instruction to drop the connection without one.
struct OutgoingResponse: Sendable {
    var status: Int
    var headers: [(String, String)]
    var body: Data

    init(status: Int, headers: [(String, String)] = [], body: Data = Data()) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    static func json(_ status: Int, _ value: JSONValue, headers: [(String, String)] = []) -> OutgoingResponse {
        OutgoingResponse(
            status: status,
            headers: [("Content-Type", "application/json; charset=utf-8")] + headers,
            body: value.data
        )
    }

    static func text(_ status: Int, _ text: String, contentType: String = "text/plain; charset=utf-8") -> OutgoingResponse {
        OutgoingResponse(status: status, headers: [("Content-Type", contentType)], body: Data(text.utf8))
    }

    func header(_ name: String) -> String? {
        headers.last { $0.0.lowercased() == name.lowercased() }?.1
    }

    mutating func setHeader(_ name: String, _ value: String) {
        headers.removeAll { $0.0.lowercased() == name.lowercased() }
        headers.append((name, value))
    }
}
