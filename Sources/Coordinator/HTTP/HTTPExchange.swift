import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
import NIOHTTP1

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

    func send(_ request: HTTPClientRequest) async throws -> HTTPAnswer {
        let clock = ContinuousClock()
        let started = clock.now
        do {
            let response = try await http.execute(request, timeout: TimeAmount(timeout), logger: logger)
            let buffer = try await response.body.collect(upTo: maxBodyBytes)
            let answer = HTTPAnswer(
                status: Int(response.status.code),
                headers: response.headers,
                body: Data(buffer.readableBytesView),
                hops: response.history.map { (Int($0.responseHead.status.code), $0.responseHead.headers) }
            )
            logger.debug(
                "\(request.method.rawValue) \(request.url) -> \(answer.status) in \(Self.milliseconds(clock.now - started)) ms",
                metadata: [
                    "method": "\(request.method.rawValue)", "url": "\(request.url)",
                    "status": "\(answer.status)", "duration_ms": "\(Self.milliseconds(clock.now - started))",
                ])
            return answer
        } catch {
            if error is CancellationError || Task.isCancelled { throw CancellationError() }
            let failure = CertificateFailure.transportFailure(error, url: request.url, service: service)
                ?? Self.classify(error, timeout: timeout)
            logger.debug(
                "\(request.method.rawValue) \(request.url) failed after \(Self.milliseconds(clock.now - started)) ms: \(failure.message)",
                metadata: [
                    "method": "\(request.method.rawValue)", "url": "\(request.url)",
                    "duration_ms": "\(Self.milliseconds(clock.now - started))",
                ])
            throw failure
        }
    }

    static func milliseconds(_ duration: Duration) -> Int64 {
        let (seconds, attoseconds) = duration.components
        return seconds * 1000 + attoseconds / 1_000_000_000_000_000
    }

    /// Turns whatever AsyncHTTPClient or NIO threw into a message an operator can read and a
    /// decision whether another attempt could succeed.
    static func classify(_ error: Error, timeout: Duration) -> HTTPTransportFailure {
        if let error = error as? HTTPClientError {
            // HTTPClientError is a struct of static values, not an enum, so it is compared with ==.
            if [.deadlineExceeded, .readTimeout, .writeTimeout].contains(error) {
                return .init(message: "no answer within \(timeout) (timed out)", retriable: true)
            }
            if error == .connectTimeout {
                return .init(message: "connection timed out", retriable: true, mayHaveArrived: false)
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
        // NIO's IOError / ChannelError / connection errors (refused, reset, dropped): describing
        // them yields "connection refused", "connection reset by peer" and the like.
        return .init(message: String(describing: error), retriable: true, mayHaveArrived: !neverConnected(error))
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
        if let error = error as? IOError, [ECONNREFUSED, ENETUNREACH, EHOSTUNREACH].contains(error.errnoCode) { return true }
        // NIOPosix's NIOConnectionError (every address refused or timed out) is not visible from
        // here without depending on NIOPosix; its type name is stable.
        return String(describing: type(of: error)) == "NIOConnectionError"
    }
}
