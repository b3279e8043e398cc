import Foundation

/// A misbehaviour armed for the next `count` requests that match `method` and `path`.
///
/// `path` is matched against the raw request path (still percent-encoded, query excluded):
/// as a glob when it contains `*` (any run of characters, `/` included) or `?` (one character),
/// otherwise as a substring. Control requests under `/_sandbox/` are never faulted.
///
/// JSON shape (control API): `{"method":"POST","path":"/labels","count":1,` plus exactly one of
/// `"status":503,"headers":{...},"body":"..."` or `"delay_ms":1500` or `"drop":true` or
/// `"lose_answer":true` or `"endless_pages":true` `}`.
public struct SandboxFault: Sendable, Equatable, Codable {
    public enum Effect: Sendable, Equatable {
        /// Answer this status instead of the real response. Without a body, a GitHub-style
        /// `{"message":…}` is sent.
        case status(Int, headers: [String: String], body: String?)
        /// Wait, then answer normally.
        case delay(milliseconds: Int)
        /// Close the connection without answering, after holding the request for the given time;
        /// the request is not handled.
        case drop(afterMilliseconds: Int)
        /// Handle the request (a build is queued, a label added), then close the connection without
        /// answering: what a client sees when a proxy times out or a connection breaks after the
        /// server acted.
        case loseAnswer
        /// Answer normally, but with a `Link` whose `rel="next"` names the page after this one
        /// whatever the page: a listing that never ends, each page valid (empty past the real
        /// end), the page numbers rising forever. Each page asked for uses up one `count`.
        case endlessPages
    }

    /// Upper-case HTTP method; `nil` matches any.
    public var method: String?
    public var path: String
    /// How many matching requests this fault still applies to.
    public var count: Int
    public var effect: Effect

    public init(method: String? = nil, path: String, count: Int = 1, effect: Effect) {
        self.method = method?.uppercased()
        self.path = path
        self.count = count
        self.effect = effect
    }

    public static func status(
        _ status: Int, method: String? = nil, path: String, count: Int = 1,
        headers: [String: String] = [:], body: String? = nil
    ) -> SandboxFault {
        SandboxFault(method: method, path: path, count: count, effect: .status(status, headers: headers, body: body))
    }

    public static func delay(milliseconds: Int, method: String? = nil, path: String, count: Int = 1) -> SandboxFault {
        SandboxFault(method: method, path: path, count: count, effect: .delay(milliseconds: milliseconds))
    }

    /// Closes the connection without handling the request; `afterMilliseconds` holds it first, like
    /// a request stuck on its way that then dies.
    public static func drop(method: String? = nil, path: String, count: Int = 1, afterMilliseconds: Int = 0) -> SandboxFault {
        SandboxFault(method: method, path: path, count: count, effect: .drop(afterMilliseconds: afterMilliseconds))
    }

    public static func loseAnswer(method: String? = nil, path: String, count: Int = 1) -> SandboxFault {
        SandboxFault(method: method, path: path, count: count, effect: .loseAnswer)
    }

    /// A paginated listing at `path` whose `Link` names one more page, `count` times.
    public static func endlessPages(method: String? = "GET", path: String, count: Int = 1_000_000) -> SandboxFault {
        SandboxFault(method: method, path: path, count: count, effect: .endlessPages)
    }

    /// GitHub's secondary rate limit: `429` with `retry-after` in seconds.
    public static func secondaryRateLimit(
        retryAfter seconds: Int, method: String? = nil, path: String, count: Int = 1
    ) -> SandboxFault {
        .status(
            429, method: method, path: path, count: count,
            headers: ["retry-after": String(seconds)],
            body: #"{"message":"You have exceeded a secondary rate limit. Please wait a few minutes before you try again.","documentation_url":"https://docs.github.com/rest/overview/rate-limits-for-the-rest-api#about-secondary-rate-limits"}"#
        )
    }

    func matches(method: String, path: String) -> Bool {
        if let wanted = self.method, wanted != method.uppercased() { return false }
        if self.path.contains("*") || self.path.contains("?") {
            return Glob.matches(pattern: self.path, text: path)
        }
        return path.contains(self.path)
    }

    // MARK: Codable

    enum CodingKeys: String, CodingKey {
        case method, path, count, status, headers, body, drop
        case delayMs = "delay_ms"
        case loseAnswer = "lose_answer"
        case endlessPages = "endless_pages"
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let method = try c.decodeIfPresent(String.self, forKey: .method)
        let path = try c.decodeIfPresent(String.self, forKey: .path) ?? ""
        let count = try c.decodeIfPresent(Int.self, forKey: .count) ?? 1
        let status = try c.decodeIfPresent(Int.self, forKey: .status)
        let delay = try c.decodeIfPresent(Int.self, forKey: .delayMs)
        let drop = try c.decodeIfPresent(Bool.self, forKey: .drop) ?? false
        let loseAnswer = try c.decodeIfPresent(Bool.self, forKey: .loseAnswer) ?? false
        let endless = try c.decodeIfPresent(Bool.self, forKey: .endlessPages) ?? false
        let effect: Effect
        switch (status, delay, drop, loseAnswer || endless) {
        case (let status?, nil, false, false):
            guard (100...599).contains(status) else {
                throw DecodingError.dataCorruptedError(forKey: .status, in: c, debugDescription: "status must be 100...599")
            }
            effect = .status(
                status,
                headers: try c.decodeIfPresent([String: String].self, forKey: .headers) ?? [:],
                body: try c.decodeIfPresent(String.self, forKey: .body)
            )
        case (nil, let delay?, true, false):
            guard delay >= 0 else {
                throw DecodingError.dataCorruptedError(forKey: .delayMs, in: c, debugDescription: "delay_ms must not be negative")
            }
            effect = .drop(afterMilliseconds: delay)
        case (nil, let delay?, false, false):
            guard delay >= 0 else {
                throw DecodingError.dataCorruptedError(forKey: .delayMs, in: c, debugDescription: "delay_ms must not be negative")
            }
            effect = .delay(milliseconds: delay)
        case (nil, nil, true, false):
            effect = .drop(afterMilliseconds: 0)
        case (nil, nil, false, true) where !(loseAnswer && endless):
            effect = loseAnswer ? .loseAnswer : .endlessPages
        default:
            throw DecodingError.dataCorruptedError(
                forKey: .status, in: c,
                debugDescription: "give exactly one of \"status\", \"delay_ms\", \"drop\": true (optionally with \"delay_ms\"), \"lose_answer\": true or \"endless_pages\": true"
            )
        }
        guard count > 0 else {
            throw DecodingError.dataCorruptedError(forKey: .count, in: c, debugDescription: "count must be positive")
        }
        self.init(method: method, path: path, count: count, effect: effect)
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encodeIfPresent(method, forKey: .method)
        try c.encode(path, forKey: .path)
        try c.encode(count, forKey: .count)
        switch effect {
        case let .status(status, headers, body):
            try c.encode(status, forKey: .status)
            try c.encode(headers, forKey: .headers)
            try c.encodeIfPresent(body, forKey: .body)
        case let .delay(milliseconds):
            try c.encode(milliseconds, forKey: .delayMs)
        case let .drop(milliseconds):
            try c.encode(true, forKey: .drop)
            if milliseconds > 0 { try c.encode(milliseconds, forKey: .delayMs) }
        case .loseAnswer:
            try c.encode(true, forKey: .loseAnswer)
        case .endlessPages:
            try c.encode(true, forKey: .endlessPages)
        }
    }
}
