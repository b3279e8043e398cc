import Foundation

/// One request the simulated GitHub or Jenkins received (control requests are not recorded).
public struct SandboxRequestRecord: Sendable, Equatable, Codable {
    public var method: String
    /// Raw path as sent, still percent-encoded.
    public var path: String
    /// Raw query string without `?`; empty when there was none.
    public var query: String
    /// Status answered; `0` when a fault dropped the connection without an answer.
    public var status: Int
    public var time: Date

    public init(method: String, path: String, query: String, status: Int, time: Date) {
        self.method = method
        self.path = path
        self.query = query
        self.status = status
        self.time = time
    }
}
