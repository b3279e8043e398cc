import Foundation

/// Where a PostgreSQL server listens: a TCP host and port, or a unix socket directory (libpq's
/// `host=/path/to/dir`), whose socket file is `DIR/.s.PGSQL.PORT`.
public enum PostgresAddress: Sendable, Equatable, CustomStringConvertible {
    case tcp(host: String, port: Int)
    case unixSocket(directory: String, port: Int)

    public var port: Int {
        switch self {
        case let .tcp(_, port), let .unixSocket(_, port): return port
        }
    }

    /// The socket file for `.unixSocket`, nil for TCP.
    public var socketPath: String? {
        guard case let .unixSocket(directory, port) = self else { return nil }
        return (directory.hasSuffix("/") ? String(directory.dropLast()) : directory) + "/.s.PGSQL.\(port)"
    }

    /// "HOST:PORT" ("[::1]:5432" for IPv6), or the socket file's path.
    public var description: String {
        switch self {
        case let .tcp(host, port): return host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)"
        case .unixSocket: return socketPath ?? ""
        }
    }
}

/// libpq's `sslmode`, the subset that means something to a client without client certificates.
public enum PostgresSSLMode: String, Sendable, Equatable, CaseIterable {
    /// Plain TCP only.
    case disable
    /// TLS when the server offers it, plain otherwise; the certificate is not checked.
    case prefer
    /// TLS or nothing; the certificate is not checked (unless `sslrootcert` is given: then as
    /// `verify-ca`, as libpq does).
    case require
    /// TLS, the certificate chain checked against the trusted CAs; the host name is not.
    case verifyCA = "verify-ca"
    /// TLS, the chain and the host name checked.
    case verifyFull = "verify-full"
}

/// What the client demands of the server's TLS, derived from `sslmode` and `sslrootcert` the way
/// libpq derives it.
public enum PostgresTLSPolicy: Sendable, Equatable {
    /// No TLS.
    case disabled
    /// TLS if the server offers it, else plain; no certificate check (`prefer`).
    case preferred
    /// TLS or fail, with this much checking of the server's certificate.
    case required(PostgresCertificateCheck)
}

public enum PostgresCertificateCheck: Sendable, Equatable {
    /// Encrypted, but any certificate is accepted (`require` without `sslrootcert`).
    case none
    /// The chain must lead to a trusted CA (`verify-ca`, or `require` with `sslrootcert`).
    case chain
    /// The chain and the host name (`verify-full`).
    case chainAndHostName
}

/// Where the CAs a server certificate is checked against come from.
public enum PostgresTrustRoots: Sendable, Equatable {
    /// The system store (`sslrootcert` absent, or `sslrootcert=system` as in libpq 16).
    case system
    /// A PEM bundle (`sslrootcert=PATH`).
    case file(String)
}

/// A parsed `postgres://` URL (`[store] postgres_url` or `COORDINATOR_POSTGRES_URL`): libpq's URI
/// form with one host, `USER[:PASSWORD]@HOST[:PORT]/DATABASE?PARAMS`. Parameters: `sslmode`,
/// `sslrootcert`, and `host` (a socket directory, or a host when the URL has none).
///
/// Nothing in an error quotes the user-info part of the URL: it may carry a password.
public struct PostgresURL: Sendable, Equatable {
    public var address: PostgresAddress
    public var user: String
    /// The URL's password (percent-decoded); nil when the URL has none (or an empty one).
    public var password: Secret?
    /// The path, else the user's name (libpq's default).
    public var database: String
    public var sslMode: PostgresSSLMode
    /// `sslrootcert`, exactly as written (resolving a relative path is the caller's).
    public var sslRootCert: String?

    public static let defaultPort = 5432
    public static let parameters = ["host", "sslmode", "sslrootcert"]

    public init(
        address: PostgresAddress, user: String, password: Secret? = nil, database: String? = nil,
        sslMode: PostgresSSLMode = .prefer, sslRootCert: String? = nil
    ) {
        self.address = address
        self.user = user
        self.password = password
        self.database = database ?? user
        self.sslMode = sslMode
        self.sslRootCert = sslRootCert
    }

    /// Parses `text`; the error's text says what is wrong without quoting a password.
    public init(parsing text: String) throws(PostgresURLError) {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        guard let schemeEnd = trimmed.range(of: "://") else {
            throw PostgresURLError("is not a URL of the form postgres://USER[:PASSWORD]@HOST[:PORT]/DATABASE[?sslmode=...]")
        }
        let scheme = trimmed[..<schemeEnd.lowerBound].lowercased()
        guard scheme == "postgres" || scheme == "postgresql" else {
            let shown = scheme.count <= 20 && scheme.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "+" || $0 == "-" || $0 == "." })
                ? "'\(scheme)'" : "its scheme"
            throw PostgresURLError("\(shown) is not postgres:// or postgresql://")
        }
        // libpq's reading: the user info runs to the first '@' met before any '/'; then the host
        // to the first '/' or '?', the database to the '?', the parameters after it. A password
        // may hold '?', ':' or '#' as they are; '@' and '/' must be percent-encoded.
        let rest = Substring(trimmed[schemeEnd.upperBound...])
        var userInfo: Substring?
        var afterUser = rest
        if let mark = rest.firstIndex(where: { $0 == "@" || $0 == "/" }), rest[mark] == "@" {
            userInfo = rest[..<mark]
            afterUser = rest[rest.index(after: mark)...]
        } else if rest.contains("@") {
            throw PostgresURLError("has an '@' after a '/': percent-encode a '/' in the user name or password as %2F")
        }
        guard !afterUser.contains("#") else { throw PostgresURLError("has a '#' fragment, which a PostgreSQL URL does not take") }
        var queryText: Substring?
        var beforeQuery = afterUser
        if let question = afterUser.firstIndex(of: "?") {
            queryText = afterUser[afterUser.index(after: question)...]
            beforeQuery = afterUser[..<question]
        }
        let slash = beforeQuery.firstIndex(of: "/")
        let hostPort = beforeQuery[..<(slash ?? beforeQuery.endIndex)]
        let pathText = slash.map { beforeQuery[beforeQuery.index(after: $0)...] } ?? ""

        // User and password.
        guard let userInfo, !userInfo.isEmpty else {
            throw PostgresURLError("names no user: write postgres://USER@HOST/DATABASE")
        }
        let colon = userInfo.firstIndex(of: ":")
        let userText = userInfo[..<(colon ?? userInfo.endIndex)]
        guard let user = Self.decoded(userText), !user.isEmpty else {
            throw PostgresURLError(userText.isEmpty ? "names no user: write postgres://USER@HOST/DATABASE" : "has a malformed percent-encoding in the user name")
        }
        guard !user.contains(where: \.isNewline), !user.contains("\0") else { throw PostgresURLError("has a line break or NUL in the user name") }
        var password: Secret?
        if let colon {
            guard let decoded = Self.decoded(userInfo[userInfo.index(after: colon)...]) else {
                throw PostgresURLError("has a malformed percent-encoding in the password")
            }
            guard !decoded.contains("\0") else { throw PostgresURLError("has a NUL in the password") }
            if !decoded.isEmpty { password = Secret(decoded) }
        }

        // Host and port.
        var host: String?
        var portText: Substring?
        if hostPort.hasPrefix("[") {
            guard let close = hostPort.firstIndex(of: "]") else { throw PostgresURLError("has an IPv6 host without its closing ']'") }
            host = String(hostPort[hostPort.index(after: hostPort.startIndex)..<close])
            let after = hostPort[hostPort.index(after: close)...]
            if !after.isEmpty {
                guard after.hasPrefix(":") else { throw PostgresURLError("has something after the IPv6 host other than :PORT") }
                portText = after.dropFirst()
            }
        } else if let portColon = hostPort.lastIndex(of: ":") {
            guard let decoded = Self.decoded(hostPort[..<portColon]) else { throw PostgresURLError("has a malformed percent-encoding in the host") }
            host = decoded
            portText = hostPort[hostPort.index(after: portColon)...]
        } else if !hostPort.isEmpty {
            guard let decoded = Self.decoded(hostPort) else { throw PostgresURLError("has a malformed percent-encoding in the host") }
            host = decoded
        }
        if host?.isEmpty == true { host = nil }
        var port = Self.defaultPort
        if let portText, !portText.isEmpty {
            port = try Self.port(portText)
        }

        // Database.
        guard !pathText.contains("/") else { throw PostgresURLError("has a path of more than one segment; the path is the database name") }
        guard let database = Self.decoded(pathText) else { throw PostgresURLError("has a malformed percent-encoding in the database name") }
        guard !database.contains("\0"), !database.contains(where: \.isNewline) else { throw PostgresURLError("has a line break or NUL in the database name") }

        // Parameters.
        var values: [String: String] = [:]
        var unknown: [String] = []
        for pair in (queryText ?? "").split(separator: "&", omittingEmptySubsequences: true) {
            let equals = pair.firstIndex(of: "=")
            let keyText = pair[..<(equals ?? pair.endIndex)]
            guard let key = Self.decoded(keyText), let value = Self.decoded(equals.map { pair[pair.index(after: $0)...] } ?? "") else {
                throw PostgresURLError("has a malformed percent-encoding in its parameters")
            }
            guard Self.parameters.contains(key) else {
                let shown = key.count <= 40 && key.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_") }) ? key : "(a parameter name with unusual characters)"
                if !unknown.contains(shown) { unknown.append(shown) }
                continue
            }
            guard values[key] == nil else { throw PostgresURLError("gives the parameter \(key) twice") }
            values[key] = value
        }
        guard unknown.isEmpty else {
            throw PostgresURLError(
                "has unknown parameter\(unknown.count == 1 ? "" : "s") \(unknown.joined(separator: ", ")); known: \(Self.parameters.joined(separator: ", "))")
        }

        var sslMode = PostgresSSLMode.prefer
        if let mode = values["sslmode"] {
            guard let parsed = PostgresSSLMode(rawValue: mode) else {
                let shown = mode.count <= 20 && mode.allSatisfy({ $0.isASCII && ($0.isLetter || $0 == "-") }) ? "'\(mode)'" : "the value"
                throw PostgresURLError(
                    "sslmode \(shown) is not one of \(PostgresSSLMode.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            sslMode = parsed
        }
        var sslRootCert: String?
        if let rootCert = values["sslrootcert"] {
            guard !rootCert.isEmpty else { throw PostgresURLError("has an empty sslrootcert; give a PEM file, or system") }
            sslRootCert = rootCert
        }

        let address: PostgresAddress
        switch (host, values["host"]) {
        case (_?, _?):
            throw PostgresURLError("names the host twice, before the path and as ?host=; keep one")
        case (nil, nil):
            throw PostgresURLError("names no host: write postgres://USER@HOST[:PORT]/DATABASE, or ?host=/path/to/socket/directory for a unix socket")
        case let (hostName?, nil):
            address = try Self.address(hostName, port: port)
        case let (nil, parameter?):
            guard !parameter.isEmpty else { throw PostgresURLError("has an empty ?host=") }
            address = try Self.address(parameter, port: port)
        }
        if case .unixSocket = address, sslMode != .disable, sslMode != .prefer {
            throw PostgresURLError("asks for sslmode=\(sslMode.rawValue) over a unix socket, which carries no TLS; use sslmode=disable or prefer, or a TCP host")
        }
        self.init(
            address: address, user: user, password: password, database: database.isEmpty ? nil : database,
            sslMode: sslMode, sslRootCert: sslRootCert)
    }

    /// The TLS the client demands, libpq's way.
    public var tlsPolicy: PostgresTLSPolicy {
        switch sslMode {
        case .disable: return .disabled
        case .prefer: return .preferred
        case .require: return .required(sslRootCert == nil ? .none : .chain)
        case .verifyCA: return .required(.chain)
        case .verifyFull: return .required(.chainAndHostName)
        }
    }

    /// The URL again, canonical, with the password (if the URL carries one) as `***`.
    public var redacted: String {
        var text = "postgres://" + Self.encoded(user)
        if password != nil { text += ":***" }
        text += "@"
        var parameters: [String] = []
        switch address {
        case let .tcp(host, port):
            text += host.contains(":") ? "[\(host)]" : Self.encoded(host)
            text += ":\(port)"
        case let .unixSocket(directory, port):
            text += ":\(port)"
            parameters.append("host=" + Self.encoded(directory, keeping: "/"))
        }
        text += "/" + Self.encoded(database)
        parameters.append("sslmode=" + sslMode.rawValue)
        if let sslRootCert { parameters.append("sslrootcert=" + Self.encoded(sslRootCert, keeping: "/")) }
        return text + "?" + parameters.joined(separator: "&")
    }

    // MARK: - Pieces

    private static func port(_ text: Substring) throws(PostgresURLError) -> Int {
        // Quoted only when it is digits: anything else may be a piece of a mistyped password.
        let shown = text.count <= 12 && text.allSatisfy({ $0.isASCII && ($0.isNumber || $0 == "-") }) ? "'\(text)'" : "the port"
        guard text.count <= 5, text.allSatisfy({ $0.isASCII && $0.isNumber }), let port = Int(text), (1...65_535).contains(port) else {
            throw PostgresURLError("port \(shown) is not a number from 1 to 65535")
        }
        return port
    }

    private static func address(_ host: String, port: Int) throws(PostgresURLError) -> PostgresAddress {
        if host.hasPrefix("/") {
            guard !host.contains("\0"), !host.contains(where: \.isNewline) else { throw PostgresURLError("has a line break or NUL in the socket directory") }
            return .unixSocket(directory: host, port: port)
        }
        guard !host.contains(where: { $0.isWhitespace || $0 == "/" || $0 == "," || $0 == "@" || $0 == "\0" }) else {
            throw PostgresURLError(host.contains(",") ? "names several hosts; one is supported" : "has a host with a space, '/' or '@' in it (a socket directory starts with '/')")
        }
        return .tcp(host: host, port: port)
    }

    /// Percent-decoding ('+' stays '+', as in libpq); nil for a malformed sequence or bytes that
    /// are not UTF-8.
    private static func decoded(_ text: Substring) -> String? {
        let text = String(text)
        guard text.contains("%") else { return text }
        return text.removingPercentEncoding
    }

    private static func encoded(_ text: String, keeping extra: String = "") -> String {
        var allowed = CharacterSet(charactersIn: "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._~")
        allowed.insert(charactersIn: extra)
        return text.addingPercentEncoding(withAllowedCharacters: allowed) ?? text
    }
}

/// What is wrong with a `postgres://` URL, worded to follow "postgres_url ..."; never quotes a
/// password.
public struct PostgresURLError: Error, Sendable, Equatable, CustomStringConvertible {
    public var reason: String
    public init(_ reason: String) { self.reason = reason }
    public var description: String { reason }
}
