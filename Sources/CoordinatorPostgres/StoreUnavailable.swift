import Coordinator
import Foundation
import NIOCore
import NIOPosix
import NIOSSL
import PostgresNIO

/// The PostgreSQL store cannot be reached or used right now: the server is down or unreachable,
/// refuses the login, dropped the connection, or TLS failed. The text names the server (address
/// and database) and PostgreSQL's own message; never the password.
public struct StoreUnavailable: Error, Sendable, CustomStringConvertible {
    /// "127.0.0.1:5432, database coordinator" (see `PostgresEndpoint.description`).
    public var endpoint: String
    /// What went wrong, in PostgreSQL's or the network's words.
    public var reason: String
    /// PostgreSQL's SQLSTATE when the server said it (e.g. "57P01": terminated by an administrator).
    public var sqlState: String?

    public init(endpoint: String, reason: String, sqlState: String? = nil) {
        self.endpoint = endpoint
        self.reason = reason
        self.sqlState = sqlState
    }

    public var description: String { "PostgreSQL store at \(endpoint) is unavailable: \(reason)" }
}

/// PostgreSQL refused a statement for a reason other than availability (a constraint, a type, a
/// bug of ours): the connection works, the request does not.
public struct StoreQueryFailed: Error, Sendable, CustomStringConvertible {
    public var endpoint: String
    public var reason: String
    public var sqlState: String?

    public init(endpoint: String, reason: String, sqlState: String? = nil) {
        self.endpoint = endpoint
        self.reason = reason
        self.sqlState = sqlState
    }

    public var description: String { "PostgreSQL store at \(endpoint) refused a request: \(reason)" }
}

/// Turns postgres-nio's and NIO's errors into ours. `PSQLError`'s own description hides
/// everything; the server's fields are what the user needs, and the password is scrubbed from
/// whatever text results (defence in depth: nothing here should carry it).
enum PostgresFailure {
    /// `error`, as thrown by a connect (`connecting: true`, then everything is "unavailable") or
    /// by a query on an open connection. Our own errors and cancellation pass through unchanged.
    static func translate(_ error: any Error, endpoint: PostgresEndpoint, connecting: Bool) -> any Error {
        switch error {
        case is StoreUnavailable, is StoreQueryFailed, is CancellationError:
            return error
        case let closed as ConnectionClosed:
            return StoreUnavailable(endpoint: endpoint.description, reason: closed.description)
        case let transaction as PostgresTransactionError:
            if let inner = transaction.closureError ?? transaction.beginError ?? transaction.commitError {
                return translate(inner, endpoint: endpoint, connecting: connecting)
            }
            return StoreUnavailable(endpoint: endpoint.description, reason: "a transaction failed")
        case let psql as PSQLError:
            if psql.code == .queryCancelled { return CancellationError() }
            let (reason, sqlState) = describe(psql)
            let scrubbed = scrub(reason + hint(psql, endpoint: endpoint), endpoint: endpoint)
            if !connecting, psql.code == .server, !isAvailabilityState(sqlState) {
                return StoreQueryFailed(endpoint: endpoint.description, reason: scrubbed, sqlState: sqlState)
            }
            return StoreUnavailable(endpoint: endpoint.description, reason: scrubbed, sqlState: sqlState)
        case let decoding as PostgresDecodingError:
            return StoreQueryFailed(
                endpoint: endpoint.description,
                reason: "column \(decoding.columnName) of type \(decoding.postgresType) is not a \(decoding.targetType) (\(decoding.code))")
        default:
            // Anything else from below (a NIO channel error, a TLS handshake failure) means the
            // connection is not usable; other errors of ours pass through.
            if isTransportError(error) {
                return StoreUnavailable(endpoint: endpoint.description, reason: scrub(transportReason(error), endpoint: endpoint))
            }
            return error
        }
    }

    /// What to check when the connect itself failed: nothing listens, or no socket file.
    static func hint(_ error: PSQLError, endpoint: PostgresEndpoint) -> String {
        guard error.code == .connectionError, let code = errnoCode(error.underlying) else { return "" }
        switch code {
        case ECONNREFUSED:
            return "; is PostgreSQL running and listening there?"
        case ENOENT where endpoint.settings.address.socketPath != nil:
            return "; no socket file there: is PostgreSQL running, with that directory in its unix_socket_directories?"
        default:
            return ""
        }
    }

    /// The errno beneath a connect failure, if one is.
    static func errnoCode(_ error: (any Error)?) -> Int32? {
        switch error {
        case let io as IOError: return io.errnoCode
        case let connection as NIOConnectionError: return errnoCode(connection.connectionErrors.first?.error)
        default: return nil
        }
    }

    /// Server errors that mean "this connection or server cannot serve now" rather than "this
    /// statement is wrong": class 08 (connection exception), 57P01-57P05 (shut down, terminated,
    /// cannot connect now, idle session timeout), 53300 (too many connections), 28xxx (login),
    /// 3D000 (no such database).
    static func isAvailabilityState(_ state: String?) -> Bool {
        guard let state else { return false }
        return state.hasPrefix("08") || state.hasPrefix("57P") || state.hasPrefix("28") || state == "53300" || state == "3D000"
    }

    /// PostgreSQL's message (with detail and hint) and its SQLSTATE, or postgres-nio's code and
    /// the underlying network error.
    static func describe(_ error: PSQLError) -> (reason: String, sqlState: String?) {
        if let info = error.serverInfo {
            var text = info[.message] ?? "server error"
            if let detail = info[.detail], !detail.isEmpty { text += " (\(detail))" }
            if let hint = info[.hint], !hint.isEmpty { text += "; hint: \(hint)" }
            let state = info[.sqlState]
            if let state { text += " [SQLSTATE \(state)]" }
            return (text, state)
        }
        let what: String
        switch error.code {
        case .connectionError: what = "cannot connect"
        case .serverClosedConnection: what = "the server closed the connection"
        case .clientClosedConnection: what = "the connection was closed"
        case .uncleanShutdown: what = "the connection ended uncleanly"
        case .sslUnsupported: what = "the server does not offer TLS, which sslmode requires"
        case .failedToAddSSLHandler: what = "TLS could not be set up"
        case .receivedUnencryptedDataAfterSSLRequest: what = "the server sent plain data after the TLS request"
        case .authMechanismRequiresPassword: what = "the server asks for a password and none is configured (URL, PGPASSWORD or [store] password_file)"
        case .unsupportedAuthMechanism: what = "the server asks for an authentication method postgres-nio does not support (use scram-sha-256 or md5)"
        case .saslError: what = "SCRAM authentication failed"
        default: what = "\(error.code)"
        }
        guard let underlying = error.underlying else { return (what, nil) }
        return ("\(what): \(transportReason(underlying))", nil)
    }

    /// A short text for a network or TLS error: connection refused, timed out, handshake failed.
    static func transportReason(_ error: any Error) -> String {
        switch error {
        case let connection as NIOConnectionError:
            // Every address tried failed; the first one's error says it (refused, unreachable).
            if let first = connection.connectionErrors.first {
                return transportReason(first.error)
            }
            if let dns = connection.dnsAAAAError ?? connection.dnsAError {
                return "cannot resolve \(connection.host): \(dns)"
            }
            return "cannot connect to \(connection.host):\(connection.port)"
        case let channel as ChannelError:
            if case let .connectTimeout(amount) = channel {
                return "no answer within \(amount.nanoseconds / 1_000_000_000) s (connect timeout)"
            }
            return "\(channel)"
        case let io as IOError:
            // NIO's own text carries the syscall's signature; the errno's words are what matter.
            return String(cString: strerror(io.errnoCode)).lowercased()
        case let tls as NIOSSLError:
            return "TLS: \(tls)"
        case let tls as BoringSSLError:
            return "TLS: \(tls)"
        case let tls as NIOSSLExtraError:
            return "TLS: \(tls)"
        default:
            return String(describing: error)
        }
    }

    static func isTransportError(_ error: any Error) -> Bool {
        error is NIOConnectionError || error is ChannelError || error is IOError || error is NIOSSLError
            || error is BoringSSLError || error is NIOSSLExtraError || error is SocketAddressError
    }

    /// The text with the endpoint's password, if any (and long enough to be told from ordinary
    /// words), replaced by `***`.
    static func scrub(_ text: String, endpoint: PostgresEndpoint) -> String {
        guard let password = endpoint.settings.password?.reveal(), password.count >= 4 else { return text }
        return text.replacingOccurrences(of: password, with: "***")
    }
}
