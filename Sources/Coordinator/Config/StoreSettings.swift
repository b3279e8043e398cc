import Foundation
import TOMLKit

/// `[store]`: where the cache, notes, history and locks live. Files in the cache directory unless
/// a PostgreSQL URL is given (`postgres_url`, or `COORDINATOR_POSTGRES_URL`, which wins), so that
/// several `serve` instances can share one store.
public struct StoreSettings: Sendable, Equatable, CustomStringConvertible {
    public enum Backend: Sendable, Equatable {
        /// The cache directory (the default).
        case files
        case postgres(PostgresStoreSettings)
    }

    public var backend: Backend

    public init(backend: Backend = .files) {
        self.backend = backend
    }

    /// The PostgreSQL settings, nil for files.
    public var postgres: PostgresStoreSettings? {
        guard case let .postgres(settings) = backend else { return nil }
        return settings
    }

    /// "files", or the PostgreSQL URL with its password as `***`.
    public var description: String {
        switch backend {
        case .files: return "files"
        case let .postgres(settings): return settings.description
        }
    }

    /// The keys `[store]` takes.
    public static let keys = ["postgres_url", "password_file"]
    /// Overrides `postgres_url`.
    public static let urlVariable = "COORDINATOR_POSTGRES_URL"
    /// libpq's variable, read when the URL carries no password.
    public static let passwordVariable = "PGPASSWORD"
}

/// A PostgreSQL store: the parsed URL, with the password from wherever it came.
public struct PostgresStoreSettings: Sendable, Equatable, CustomStringConvertible {
    /// The URL; its `password` is the one in use, whatever its source.
    public var url: PostgresURL
    public var passwordSource: PasswordSource
    /// `sslrootcert`, resolved (`~`, and relative to the config file); nil: the system store.
    public var trustRoots: PostgresTrustRoots

    /// Where the password came from, for messages (never the password itself).
    public enum PasswordSource: Sendable, Equatable, CustomStringConvertible {
        /// No password: trust, peer, or certificate authentication.
        case none
        case url
        /// `PGPASSWORD`.
        case environment
        /// `password_file`, resolved.
        case file(String)

        public var description: String {
            switch self {
            case .none: return "no password"
            case .url: return "password from the URL"
            case .environment: return "password from \(StoreSettings.passwordVariable)"
            case let .file(path): return "password from \(path)"
            }
        }
    }

    public init(url: PostgresURL, passwordSource: PasswordSource? = nil, trustRoots: PostgresTrustRoots = .system) {
        self.url = url
        self.passwordSource = passwordSource ?? (url.password == nil ? .none : .url)
        self.trustRoots = trustRoots
    }

    public var address: PostgresAddress { url.address }
    public var user: String { url.user }
    public var password: Secret? { url.password }
    public var database: String { url.database }
    public var sslMode: PostgresSSLMode { url.sslMode }
    public var tlsPolicy: PostgresTLSPolicy { url.tlsPolicy }

    /// The URL with the password as `***` (only where the URL carries it), and where any other
    /// password comes from.
    public var description: String {
        var redacted = url
        if passwordSource != .url { redacted.password = nil }
        switch passwordSource {
        case .none, .url: return redacted.redacted
        case .environment, .file: return redacted.redacted + " (\(passwordSource))"
        }
    }
}

extension ConfigLoader {
    /// Reads `[store]` (absent: files). The URL is `COORDINATOR_POSTGRES_URL` if set, else
    /// `postgres_url`; the password is the URL's, else `PGPASSWORD`, else the first line of
    /// `password_file` (read only then).
    static func storeSettings(_ value: TOMLValueConvertible?, reader: SectionReader, environment: [String: String]) throws -> StoreSettings {
        let path = reader.path
        let table: TOMLTable?
        if let value {
            guard let read = value.table else {
                throw ConfigError.invalidValue(path: path, section: "store", field: "store", reason: "must be a table: [store]")
            }
            table = read
        } else {
            table = nil
        }
        for key in (table?.keys ?? []).sorted() where !StoreSettings.keys.contains(key) {
            throw ConfigError.invalidValue(
                path: path, section: "store", field: key, reason: "unknown key; [store] has \(StoreSettings.keys.joined(separator: ", "))")
        }
        func env(_ key: String) -> String? {
            guard let value = environment[key], !value.isEmpty else { return nil }
            return value
        }
        let fileURL = try reader.string(table, "store", "postgres_url").flatMap { $0.isEmpty ? nil : $0 }
        let passwordFile = try reader.string(table, "store", "password_file").flatMap { $0.isEmpty ? nil : $0 }
        let fromEnvironment = env(StoreSettings.urlVariable)
        guard let urlText = fromEnvironment ?? fileURL else {
            if passwordFile != nil {
                throw ConfigError.invalidValue(
                    path: path, section: "store", field: "password_file",
                    reason: "is set but there is no postgres_url (nor \(StoreSettings.urlVariable)); add the URL, or remove password_file to keep the store in files")
            }
            return StoreSettings()
        }
        let field = fromEnvironment != nil ? "postgres_url (from \(StoreSettings.urlVariable))" : "postgres_url"
        var url: PostgresURL
        do {
            url = try PostgresURL(parsing: urlText)
        } catch {
            throw ConfigError.invalidValue(path: path, section: "store", field: field, reason: error.description)
        }

        var trust = PostgresTrustRoots.system
        if let rootCert = url.sslRootCert, rootCert != "system" {
            let resolved = resolveRelative(expandTilde(rootCert, environment: environment), to: path)
            guard FileManager.default.isReadableFile(atPath: resolved) else {
                throw ConfigError.invalidValue(
                    path: path, section: "store", field: field,
                    reason: "sslrootcert \(resolved) is not a readable file; give a PEM bundle of the CAs the server's certificate is checked against, or system")
            }
            trust = .file(resolved)
        }

        var source = PostgresStoreSettings.PasswordSource.none
        if url.password != nil {
            source = .url
        } else if let password = env(StoreSettings.passwordVariable) {
            url.password = Secret(password)
            source = .environment
        } else if let passwordFile {
            let resolved = resolveRelative(expandTilde(passwordFile, environment: environment), to: path)
            url.password = Secret(try readPasswordFile(resolved, configPath: path))
            source = .file(resolved)
        }
        return StoreSettings(backend: .postgres(PostgresStoreSettings(url: url, passwordSource: source, trustRoots: trust)))
    }

    /// The first line of the file, without its line break. The errors name the file, never its
    /// content.
    private static func readPasswordFile(_ file: String, configPath: String) throws -> String {
        guard FileManager.default.fileExists(atPath: file) else {
            throw ConfigError.invalidValue(path: configPath, section: "store", field: "password_file", reason: "\(file): no such file")
        }
        guard let data = FileManager.default.contents(atPath: file) else {
            throw ConfigError.invalidValue(
                path: configPath, section: "store", field: "password_file",
                reason: "\(file) cannot be read (is it a file this user may read?)")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw ConfigError.invalidValue(path: configPath, section: "store", field: "password_file", reason: "\(file) is not UTF-8 text")
        }
        var line = Substring(text)
        if let end = line.firstIndex(where: { $0 == "\n" || $0 == "\r\n" || $0 == "\r" }) { line = line[..<end] }
        guard !line.isEmpty else {
            throw ConfigError.invalidValue(
                path: configPath, section: "store", field: "password_file", reason: "\(file) holds no password: its first line is empty")
        }
        return String(line)
    }
}
