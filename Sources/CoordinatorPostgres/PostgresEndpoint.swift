import Coordinator
import Foundation
import NIOCore
import NIOSSL
import PostgresNIO

/// A PostgreSQL store's address, login and TLS as postgres-nio takes them, built from `[store]`.
/// Each connection names itself to the server (`application_name`), so `pg_stat_activity`, and
/// the lock holder text, say which coordinator process holds what.
public struct PostgresEndpoint: Sendable, CustomStringConvertible {
    public let settings: PostgresStoreSettings
    /// Sent as `application_name` on every connection.
    public let applicationName: String

    public init(settings: PostgresStoreSettings, applicationName: String = PostgresEndpoint.applicationName(command: nil)) {
        self.settings = settings
        self.applicationName = applicationName
    }

    /// "127.0.0.1:5432, database coordinator", or the socket file's path: what every error names.
    public var description: String { "\(settings.address), database \(settings.database)" }

    /// "coordinator PID@HOST (COMMAND)", cut to PostgreSQL's 63 bytes and to printable ASCII
    /// (the server replaces anything else with '?').
    public static func applicationName(command: String?, processID: Int32 = ProcessInfo.processInfo.processIdentifier,
                                       hostName: String = ProcessInfo.processInfo.hostName) -> String {
        var name = "coordinator \(processID)@\(hostName)"
        if let command, !command.isEmpty { name += " (\(command))" }
        let printable = String(String.UnicodeScalarView(name.unicodeScalars.map { $0.isASCII && $0.value >= 0x20 && $0.value < 0x7f ? $0 : "?" }))
        return String(printable.prefix(63))
    }

    /// The postgres-nio configuration: TCP or the unix socket, TLS per `sslmode`, `connectTimeout`
    /// for the TCP connect and the whole login.
    /// - Throws: `StoreUnavailable` when the TLS set-up cannot be made (e.g. an `sslrootcert` that
    ///   holds no certificate).
    public func configuration(connectTimeout: Duration = .seconds(10)) throws -> PostgresConnection.Configuration {
        let password = settings.password?.reveal()
        var configuration: PostgresConnection.Configuration
        switch settings.address {
        case let .tcp(host, port):
            configuration = .init(
                host: host, port: port, username: settings.user, password: password, database: settings.database,
                tls: try tls())
        case .unixSocket:
            configuration = .init(
                unixSocketPath: settings.address.socketPath ?? "", username: settings.user, password: password,
                database: settings.database)
        }
        configuration.options.connectTimeout = Self.timeAmount(connectTimeout)
        configuration.options.additionalStartupParameters = [("application_name", applicationName)]
        return configuration
    }

    /// `duration` as NIO's `TimeAmount`, at least a millisecond and at most a day (no overflow).
    static func timeAmount(_ duration: Duration) -> TimeAmount {
        .milliseconds(min(max(1, duration.inMilliseconds), 86_400_000))
    }

    /// libpq's `sslmode` in NIOSSL terms: `prefer` and `require` encrypt without checking the
    /// certificate (unless `require` has an `sslrootcert`: then the chain, as libpq does),
    /// `verify-ca` checks the chain, `verify-full` the chain and the host name (or IP address).
    func tls() throws -> PostgresConnection.Configuration.TLS {
        let check: PostgresCertificateCheck
        let enforced: Bool
        switch settings.tlsPolicy {
        case .disabled: return .disable
        case .preferred: (check, enforced) = (.none, false)
        case let .required(required): (check, enforced) = (required, true)
        }
        var tls = TLSConfiguration.makeClientConfiguration()
        switch check {
        case .none: tls.certificateVerification = .none
        case .chain: tls.certificateVerification = .noHostnameVerification
        case .chainAndHostName: tls.certificateVerification = .fullVerification
        }
        if case let .file(path) = settings.trustRoots {
            tls.trustRoots = .file(path)
        }
        let context: NIOSSLContext
        do {
            context = try NIOSSLContext(configuration: tls)
        } catch {
            let source = if case let .file(path) = settings.trustRoots { "sslrootcert \(path)" } else { "the system's CA store" }
            throw StoreUnavailable(endpoint: description, reason: "TLS cannot be set up with \(source): \(error)")
        }
        return enforced ? .require(context) : .prefer(context)
    }
}
