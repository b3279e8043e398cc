import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
import NIOHTTP1
import Synchronization

/// Where `serve` is, and how this process proves who it is: `--server` (or `[client] server_url`),
/// the token from `COORDINATOR_API_TOKEN` (or the variable `[client] token_env` names), and the CAs
/// `serve`'s certificate is checked against (`[client] ca_file`, else the system's).
public struct ServerTarget: Sendable, Equatable {
    /// `http(s)://host:port`, no trailing slash.
    public var url: String
    public var token: Secret?
    public var trust: TLSTrust
    /// The environment variable the token came from, for the `401` message's fix.
    public var tokenVariable: String

    public init(url: String, token: Secret?, trust: TLSTrust = .system, tokenVariable: String = ClientSettings.defaultTokenVariable) {
        var url = url
        while url.hasSuffix("/") { url.removeLast() }
        self.url = url
        self.token = token
        self.trust = trust
        self.tokenVariable = tokenVariable
    }
}

/// A request to `serve` that failed: its answer (`{"error": CODE, "message": …}`) or no answer.
public struct ServerError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The HTTP status; nil when no answer came.
    public var status: Int?
    public var code: String
    public var message: String

    public init(status: Int?, code: String, message: String) {
        self.status = status
        self.code = code
        self.message = message
    }

    public var description: String { message }

    /// `401` or `403`: asking again with the same token cannot help.
    public var isRefusal: Bool { status == 401 || status == 403 }
}

/// One Server-Sent Event as `serve` sends it.
public struct ServerSentEvent: Sendable, Equatable {
    public var id: String?
    public var event: String
    public var data: String

    public init(id: String?, event: String, data: String) {
        self.id = id
        self.event = event
        self.data = data
    }
}

/// The client side of `serve`'s operator API: JSON requests with the bearer token, and the event
/// stream. Every failure is a `ServerError` worded for the operator; the token is in no message.
public final class ServerClient: Sendable {
    public let target: ServerTarget
    private let http: HTTPClient
    private let logger: Logger

    public init(target: ServerTarget, logger: Logger = Logger(label: "coordinator.client")) {
        self.target = target
        self.logger = logger
        http = HTTPClientFactory.makeHTTPClient(connectTimeout: .seconds(5), trust: target.trust)
    }

    /// Call once, when done.
    public func shutdown() async {
        try? await http.shutdown()
    }

    /// `GET path?query`, the answer decoded with `decoder` (the console protocol's by default).
    public func get<T: Decodable>(
        _ path: String, query: [(String, String)] = [], as type: T.Type, decoder: JSONDecoder = ConsoleWire.decoder(),
        timeout: Duration = .seconds(30)
    ) async throws -> T {
        let answer = try await send(method: .GET, path: path, query: query, body: nil, timeout: timeout)
        return try decode(type, answer, decoder: decoder, path: path)
    }

    /// `POST path` with `body` as the console protocol's JSON (none: an empty body).
    public func post<T: Decodable>(
        _ path: String, body: (some Encodable & Sendable)? = nil as String?, idempotencyKey: String? = nil, as type: T.Type,
        decoder: JSONDecoder = ConsoleWire.decoder(), timeout: Duration = .seconds(120)
    ) async throws -> T {
        let data = try body.map { try ConsoleWire.data($0) }
        let answer = try await send(method: .POST, path: path, query: [], body: data, idempotencyKey: idempotencyKey, timeout: timeout)
        return try decode(type, answer, decoder: decoder, path: path)
    }

    /// `GET /api/events` from `lastEventID`: each event as it arrives; the stream ends (or throws)
    /// when the connection does, or when nothing at all (not even `serve`'s keepalive, every 15 s)
    /// came for `silence`: a connection that died without a word (a laptop's sleep, a dropped
    /// network) is given up instead of waited on for ever.
    public func events(lastEventID: String?, silence: Duration = .seconds(45)) async throws -> AsyncThrowingStream<ServerSentEvent, any Error> {
        var request = makeRequest(method: .GET, path: "/api/events", query: [])
        request.headers.add(name: "Accept", value: "text/event-stream")
        if let lastEventID { request.headers.add(name: "Last-Event-ID", value: lastEventID) }
        let response: HTTPClientResponse
        do {
            // No deadline: the stream is meant to stay open.
            response = try await http.execute(request, timeout: .hours(24 * 365), logger: logger)
        } catch {
            throw transportError(error)
        }
        guard response.status == .ok else {
            let body = (try? await response.body.collect(upTo: 64 * 1024)).map { Data($0.readableBytesView) } ?? Data()
            throw refusal(status: Int(response.status.code), body: body, path: "/api/events")
        }
        let body = response.body
        let url = target.url
        return AsyncThrowingStream { continuation in
            let heard = LastHeard()
            let task = Task {
                var parser = ServerSentEventParser()
                do {
                    for try await chunk in body {
                        heard.now()
                        for event in parser.feed(chunk.readableBytesView) { continuation.yield(event) }
                    }
                    continuation.finish()
                } catch {
                    continuation.finish(throwing: self.transportError(error))
                }
            }
            let watchdog = Task {
                while (try? await Task.sleep(for: silence / 3)) != nil {
                    guard heard.silence > silence else { continue }
                    continuation.finish(throwing: ServerError(
                        status: nil, code: "silent", message: "serve at \(url) sent nothing for \(silence.components.seconds) s, not even its keepalive"))
                    task.cancel()
                    return
                }
            }
            continuation.onTermination = { _ in
                task.cancel()
                watchdog.cancel()
            }
        }
    }

    private struct Answer {
        var status: Int
        var body: Data
    }

    private func makeRequest(method: HTTPMethod, path: String, query: [(String, String)]) -> HTTPClientRequest {
        var url = target.url + path
        if !query.isEmpty {
            url += "?" + query.map { "\(Self.queryEscaped($0.0))=\(Self.queryEscaped($0.1))" }.joined(separator: "&")
        }
        var request = HTTPClientRequest(url: url)
        request.method = method
        request.headers.add(name: "Accept", value: "application/json")
        request.headers.add(name: "User-Agent", value: "coordinator/\(CoordinatorVersion.current)")
        request.headers.add(name: ConsoleProtocol.versionHeader, value: String(ConsoleProtocol.version))
        if let token = target.token { request.headers.add(name: "Authorization", value: "Bearer \(token.reveal())") }
        return request
    }

    private func send(
        method: HTTPMethod, path: String, query: [(String, String)], body: Data?, idempotencyKey: String? = nil, timeout: Duration
    ) async throws -> Answer {
        var request = makeRequest(method: method, path: path, query: query)
        if let body {
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(ByteBuffer(bytes: body))
        }
        if let idempotencyKey { request.headers.add(name: "Idempotency-Key", value: idempotencyKey) }
        do {
            let response = try await http.execute(request, timeout: TimeAmount(timeout), logger: logger)
            let data = Data(try await response.body.collect(upTo: 64 * 1024 * 1024).readableBytesView)
            let status = Int(response.status.code)
            guard (200..<300).contains(status) else { throw refusal(status: status, body: data, path: path) }
            return Answer(status: status, body: data)
        } catch let error as ServerError {
            throw error
        } catch {
            throw transportError(error, timeout: timeout)
        }
    }

    private func decode<T: Decodable>(_ type: T.Type, _ answer: Answer, decoder: JSONDecoder, path: String) throws -> T {
        do {
            return try decoder.decode(type, from: answer.body)
        } catch {
            throw ServerError(
                status: answer.status, code: "bad_answer",
                message: "serve at \(target.url) answered \(path) with JSON this coordinator cannot read (\(DecodingErrorText.describe(error))): are both the same version?")
        }
    }

    private struct ErrorBody: Decodable {
        var error: String
        var message: String
    }

    private func refusal(status: Int, body: Data, path: String) -> ServerError {
        let said = try? JSONDecoder().decode(ErrorBody.self, from: body)
        switch status {
        case 401:
            return ServerError(
                status: status, code: said?.error ?? "unauthorized",
                message: "serve at \(target.url) refused the token (401): set \(target.tokenVariable) (or name another variable in [client] token_env) to an operator's token from serve's [serve.operators]")
        case 403:
            return ServerError(status: status, code: said?.error ?? "forbidden", message: said?.message ?? "serve refused: this operator's role may only read (403)")
        default:
            let message = said?.message ?? "serve at \(target.url) answered \(path) with HTTP \(status)"
            return ServerError(status: status, code: said?.error ?? "http_\(status)", message: message)
        }
    }

    private func transportError(_ error: any Error, timeout: Duration = .seconds(30)) -> ServerError {
        if let error = error as? ServerError { return error }
        if error is CancellationError { return ServerError(status: nil, code: "cancelled", message: "cancelled") }
        let failure = CertificateFailure.transportFailure(error, url: target.url, service: .serve)
            ?? HTTPExchange.classify(error, timeout: timeout, url: target.url)
        return ServerError(status: nil, code: "unreachable", message: "serve at \(target.url): \(failure.message)")
    }

    private static func queryEscaped(_ text: String) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        return text.addingPercentEncoding(withAllowedCharacters: allowed) ?? ""
    }

    /// One path segment (a repository's name, a job path): every byte but the unreserved ones escaped.
    public static func segment(_ text: String) -> String { queryEscaped(text) }
}

/// When a stream last brought anything.
private final class LastHeard: Sendable {
    private let time = Mutex(ContinuousClock.now)

    func now() { time.withLock { $0 = .now } }

    var silence: Duration { ContinuousClock.now - time.withLock { $0 } }
}

/// Server-Sent Events from bytes as they arrive (the WHATWG rules this needs): lines end in LF,
/// CRLF or CR; `data` lines join with LF; a blank line ends an event; comments and `retry` are
/// skipped. A line longer than 1 MiB is cut, and an event whose data passes 16 MiB is dropped, so
/// a broken server cannot grow either without bound.
public struct ServerSentEventParser: Sendable {
    private var line: [UInt8] = []
    private var lastWasCR = false
    private var id: String?
    private var event = ""
    private var data: [String] = []
    private var hasData = false
    private var dataBytes = 0
    static let maxLine = 1 << 20
    static let maxData = 16 << 20

    public init() {}

    public mutating func feed(_ bytes: some Sequence<UInt8>) -> [ServerSentEvent] {
        var events: [ServerSentEvent] = []
        for byte in bytes {
            if byte == UInt8(ascii: "\n") && lastWasCR {
                lastWasCR = false
                continue
            }
            lastWasCR = byte == UInt8(ascii: "\r")
            if byte == UInt8(ascii: "\n") || byte == UInt8(ascii: "\r") {
                if let event = endLine() { events.append(event) }
            } else if line.count < Self.maxLine {
                line.append(byte)
            }
        }
        return events
    }

    private mutating func endLine() -> ServerSentEvent? {
        defer { line.removeAll(keepingCapacity: true) }
        if line.isEmpty {
            defer {
                event = ""
                data = []
                hasData = false
                dataBytes = 0
            }
            guard hasData, dataBytes <= Self.maxData else { return nil }
            return ServerSentEvent(id: id, event: event.isEmpty ? "message" : event, data: data.joined(separator: "\n"))
        }
        let text = String(decoding: line, as: UTF8.self)
        if text.hasPrefix(":") { return nil }
        let field: Substring
        var value: Substring
        if let colon = text.firstIndex(of: ":") {
            field = text[..<colon]
            value = text[text.index(after: colon)...]
            if value.hasPrefix(" ") { value = value.dropFirst() }
        } else {
            field = Substring(text)
            value = ""
        }
        switch field {
        case "id": if !value.contains("\0") { id = String(value) }
        case "event": event = String(value)
        case "data":
            dataBytes += value.utf8.count + 1
            if dataBytes <= Self.maxData { data.append(String(value)) }
            hasData = true
        default: break
        }
        return nil
    }
}
