import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
import NIOHTTP1
import NIOPosix

/// A complete HTTP answer: status, headers and the body read in full.
struct HTTPAnswer: Sendable {
    var status: Int
    var headers: HTTPHeaders
    var body: Data
    /// The statuses and headers of every answer on the way, oldest first. Holds more than one entry
    /// only when the `HTTPClient` followed a redirect; the first entry is the answer to the request
    /// as it was sent.
    var hops: [(status: Int, headers: HTTPHeaders)]
    /// How many times the request was sent to get this answer (`HTTPTransport` retries).
    var attempts = 1
    /// The body is only the first part of what the server sent: it was read up to a limit the
    /// caller set (`HTTPExchange.send(_:keepingAtMost:)`) and the rest left unread.
    var truncated = false

    func header(_ name: String) -> String? { headers.first(name: name) }
}

/// A request that got no HTTP answer: refused, reset or dropped connection, timeout.
struct HTTPTransportFailure: Error, Sendable {
    var message: String
    /// `false` when trying again cannot help (an invalid URL, a client that was shut down).
    var retriable: Bool
    /// `false` only when the request certainly never reached the server (no connection was made).
    /// Otherwise the server may have acted on it although no answer arrived.
    var mayHaveArrived: Bool = true
    /// How many times the request was sent before giving up.
    var attempts = 1

    /// `message`, saying how often it was tried when that was more than once.
    var text: String { HTTPTransport.afterAttempts(message, attempts) }
}

/// Sends one request with a deadline, reads the whole answer and logs it at debug level: one
/// attempt of `HTTPTransport`.
///
/// Both services go through it, so that both log the same way and classify transport failures
/// the same way. Log lines carry method, URL, status and duration, never headers: the
/// credentials live only in the `Authorization` header.
struct HTTPExchange: Sendable {
    let http: HTTPClient
    let timeout: Duration
    let logger: Logger
    /// Whose requests these are: a refused TLS certificate is worded with its config section.
    let service: HTTPService
    /// Answers larger than this are refused instead of being held in memory.
    let maxBodyBytes: Int = 32 * 1024 * 1024

    /// - Parameter limit: nil reads the whole body (refused beyond `maxBodyBytes`); a number reads
    ///   at most that many bytes as they stream in, leaves the rest unread (the connection is
    ///   closed, not drained) and marks the answer `truncated` — for bodies that may be huge.
    func send(_ request: HTTPClientRequest, keepingAtMost limit: Int? = nil) async throws -> HTTPAnswer {
        let clock = ContinuousClock()
        let started = clock.now
        do {
            let response = try await http.execute(request, timeout: TimeAmount(timeout), logger: logger)
            var body = Data()
            var truncated = false
            if let limit {
                let wanted = max(0, limit)
                for try await chunk in response.body {
                    let room = wanted - body.count
                    if chunk.readableBytes > room {
                        body.append(contentsOf: chunk.readableBytesView.prefix(room))
                        truncated = true
                        break
                    }
                    body.append(contentsOf: chunk.readableBytesView)
                }
            } else {
                body = Data(try await response.body.collect(upTo: maxBodyBytes).readableBytesView)
            }
            var answer = HTTPAnswer(
                status: Int(response.status.code),
                headers: response.headers,
                body: body,
                hops: response.history.map { (Int($0.responseHead.status.code), $0.responseHead.headers) }
            )
            answer.truncated = truncated
            logger.debug(
                "\(request.method.rawValue) \(request.url) -> \(answer.status) in \((clock.now - started).inMilliseconds) ms",
                metadata: [
                    "method": "\(request.method.rawValue)", "url": "\(request.url)",
                    "status": "\(answer.status)", "duration_ms": "\((clock.now - started).inMilliseconds)",
                ])
            return answer
        } catch {
            if error is CancellationError || Task.isCancelled { throw CancellationError() }
            let failure = CertificateFailure.transportFailure(error, url: request.url, service: service)
                ?? Self.classify(error, timeout: timeout, url: request.url)
            logger.debug(
                "\(request.method.rawValue) \(request.url) failed after \((clock.now - started).inMilliseconds) ms: \(failure.message)",
                metadata: [
                    "method": "\(request.method.rawValue)", "url": "\(request.url)",
                    "duration_ms": "\((clock.now - started).inMilliseconds)",
                ])
            throw failure
        }
    }

    /// Turns whatever AsyncHTTPClient or NIO threw into a message an operator can read and a
    /// decision whether another attempt could succeed.
    ///
    /// Every transport failure of both services becomes text here, and nowhere else: a failed
    /// connection reads `cannot connect to HOST:PORT: connection refused`, never NIO's
    /// `connection reset (error set): Connection refused (errno: 111)`.
    static func classify(_ error: Error, timeout: Duration, url: String = "") -> HTTPTransportFailure {
        if let reason = connectionFailure(error) {
            let target = Self.target(of: url).map { "cannot connect to \($0): " } ?? "cannot connect: "
            return .init(message: target + reason, retriable: true, mayHaveArrived: !neverConnected(error))
        }
        if let error = error as? HTTPClientError {
            // HTTPClientError is a struct of static values, not an enum, so it is compared with ==.
            if [.deadlineExceeded, .readTimeout, .writeTimeout].contains(error) {
                return .init(message: "no answer within \(timeout) (timed out)", retriable: true)
            }
            if error == .remoteConnectionClosed {
                return .init(message: "the server closed the connection before answering", retriable: true)
            }
            // `shortDescription`, never `description`: the latter quotes associated values, and an
            // invalid header value may be a credential.
            if [.invalidURL, .emptyHost, .emptyScheme, .alreadyShutdown].contains(error) {
                return .init(message: error.shortDescription, retriable: false, mayHaveArrived: false)
            }
            return .init(message: error.shortDescription, retriable: true)
        }
        if let error = error as? NIOTooManyBytesError {
            return .init(message: "the answer was larger than \(error.maxBytes.map(String.init) ?? "the limit") bytes", retriable: false)
        }
        if let error = error as? IOError {
            // A connection that failed under way: the errno in words, not NIO's description.
            return .init(message: errnoWords(error.errnoCode), retriable: true, mayHaveArrived: !neverConnected(error))
        }
        // Other NIO errors (ChannelError, …) describe themselves in a few words.
        return .init(message: String(describing: error), retriable: true, mayHaveArrived: !neverConnected(error))
    }

    /// Why a connection could not be made, in words (`connection refused`, `cannot resolve host
    /// jenkins.example`); nil when `error` is not about making a connection.
    static func connectionFailure(_ error: Error) -> String? {
        if let error = error as? HTTPClientError, error == .connectTimeout { return "connection timed out" }
        if let error = error as? ChannelError, case .connectTimeout = error { return "connection timed out" }
        if let error = error as? NIOConnectionError {
            // Every address was tried; the first failure speaks for them (they are alike in practice).
            if let first = error.connectionErrors.first { return connectionFailure(first.error) ?? "\(first.error)" }
            if error.dnsAError != nil || error.dnsAAAAError != nil { return "cannot resolve host \(error.host)" }
            return nil
        }
        if let error = error as? SocketAddressError.UnknownHost { return "cannot resolve host \(error.host)" }
        if let error = error as? IOError, connectErrnos.contains(error.errnoCode) { return errnoWords(error.errnoCode) }
        return nil
    }

    /// The `errno`s only a connection attempt ends with (a reset can also end a request under way).
    private static let connectErrnos: Set<Int32> = [ECONNREFUSED, ENETUNREACH, EHOSTUNREACH]

    /// An `errno` as an operator would say it: `connection refused`, not `Connection refused (errno: 111)`.
    static func errnoWords(_ code: Int32) -> String {
        switch code {
        case ECONNREFUSED: "connection refused"
        case ECONNRESET: "connection reset by peer"
        case ETIMEDOUT: "connection timed out"
        case ENETUNREACH: "network is unreachable"
        case EHOSTUNREACH: "no route to host"
        case EPIPE: "the connection was closed while sending"
        default: String(cString: strerror(code)).lowercased()
        }
    }

    /// `host:port` of a request URL, the port filled in from the scheme; nil when it has no host.
    static func target(of url: String) -> String? {
        guard let parsed = URL(string: url), let host = parsed.host, !host.isEmpty else { return nil }
        let port = parsed.port ?? (parsed.scheme?.lowercased() == "https" ? 443 : 80)
        return host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)"
    }

    /// Whether `error` says no connection was ever made, so no request can have been sent.
    static func neverConnected(_ error: Error) -> Bool {
        if let error = error as? ChannelError {
            switch error {
            // A write on a connection already closed (a pooled one the server dropped): the
            // request, or at least its body, never left, and a server does not act on a request
            // it has not read in full.
            case .connectTimeout, .ioOnClosedChannel: return true
            default: break
            }
        }
        if let error = error as? HTTPClientError, error == .connectTimeout { return true }
        if let error = error as? IOError, [ECONNREFUSED, ENETUNREACH, EHOSTUNREACH].contains(error.errnoCode) { return true }
        // Every address refused, timed out or unresolvable.
        return error is NIOConnectionError
    }
}
