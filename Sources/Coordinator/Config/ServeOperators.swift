import Crypto
import Foundation
import TOMLKit

/// What an operator of `serve`'s API may do (SPEC §14).
public enum OperatorRole: String, Sendable, Equatable, CaseIterable, Comparable {
    /// Reads: repositories, issues, history.
    case read
    /// Reads, and acts (dispatch, refresh, unstick) once those endpoints exist.
    case operate

    /// Whether this role covers what `needed` allows.
    public func allows(_ needed: OperatorRole) -> Bool { needed <= self }

    public static func < (a: OperatorRole, b: OperatorRole) -> Bool {
        allCases.firstIndex(of: a) ?? 0 < allCases.firstIndex(of: b) ?? 0
    }
}

/// The SHA-256 of a bearer token: what `serve` keeps instead of the token.
public struct TokenDigest: Sendable, Equatable, Hashable {
    public static let byteCount = 32
    /// Exactly `byteCount` bytes.
    public let bytes: [UInt8]

    /// The digest of `token`'s UTF-8 bytes (what `printf %s "$TOKEN" | sha256sum` prints).
    public init(of token: String) {
        bytes = Array(SHA256.hash(data: Data(token.utf8)))
    }

    /// nil unless `hex` is 64 hexadecimal digits (either case).
    public init?(hex: String) {
        let digits = Array(hex.utf8)
        guard digits.count == 2 * Self.byteCount else { return nil }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(Self.byteCount)
        var index = 0
        while index < digits.count {
            guard let high = Self.nibble(digits[index]), let low = Self.nibble(digits[index + 1]) else { return nil }
            bytes.append(high << 4 | low)
            index += 2
        }
        self.bytes = bytes
    }

    private static func nibble(_ digit: UInt8) -> UInt8? {
        switch digit {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return digit - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return digit - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return digit - UInt8(ascii: "A") + 10
        default: return nil
        }
    }
}

/// One operator of `serve`'s API: a name (shown in logs and recorded with its actions), a role,
/// and the digest of its bearer token. The token itself is never kept.
public struct ServeOperator: Sendable, Equatable {
    public var name: String
    public var role: OperatorRole
    public var tokenDigest: TokenDigest

    public init(name: String, role: OperatorRole, tokenDigest: TokenDigest) {
        self.name = name
        self.role = role
        self.tokenDigest = tokenDigest
    }

    /// The name the single `[serve] api_token` (`COORDINATOR_API_TOKEN`) goes by.
    public static let apiTokenName = "api"

    /// The operator the single `[serve] api_token` stands for: `api`, role operate. Nil for an
    /// empty token, which would otherwise let an empty `Bearer ` through.
    public static func apiToken(_ token: Secret) -> ServeOperator? {
        guard !token.isEmpty else { return nil }
        return ServeOperator(name: apiTokenName, role: .operate, tokenDigest: TokenDigest(of: token.reveal()))
    }

    /// nil when `name` is a simple identifier (a letter, then up to 63 letters, digits, `_` or
    /// `-`), else why not: names go into logs and the history as they are.
    public static func nameProblem(_ name: String) -> String? {
        let bytes = Array(name.utf8)
        guard let first = bytes.first, bytes.count <= 64 else {
            return "an operator's name must be 1 to 64 characters"
        }
        func isLetter(_ byte: UInt8) -> Bool {
            (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte) || (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte)
        }
        let simple = isLetter(first) && bytes.allSatisfy { byte in
            isLetter(byte) || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) || byte == UInt8(ascii: "_") || byte == UInt8(ascii: "-")
        }
        return simple ? nil : "an operator's name must start with a letter and hold only letters, digits, '_' and '-'"
    }
}

extension ServeSettings {
    /// Everyone who may use the API: the `[serve.operators.NAME]` operators and, with `[serve]
    /// api_token`, the operator `api`. Empty: the API is off.
    public var allOperators: [ServeOperator] {
        operators + (apiToken.flatMap(ServeOperator.apiToken).map { [$0] } ?? [])
    }
}

extension ConfigLoader {
    static let operatorKeys: Set<String> = ["token_sha256", "token_env", "role"]

    /// Reads `[serve.operators.NAME]`, by name; `apiToken` is the single `[serve] api_token`,
    /// which must not share a name or a token with them. An operator whose `token_env` is not set
    /// here is left out, and the first such is the `problem` `serve` refuses to start with.
    static func serveOperators(
        _ value: (any TOMLValueConvertible)?, apiToken: Secret?, reader: SectionReader, environment env: (String) -> String?
    ) throws -> (operators: [ServeOperator], problem: ConfigError?) {
        guard let value else { return ([], nil) }
        let path = reader.path
        let parent = "serve.operators"
        guard let table = value.table else {
            throw ConfigError.invalidValue(path: path, section: "serve", field: "operators", reason: "must be a table of [serve.operators.NAME] tables")
        }
        var operators: [ServeOperator] = []
        var problem: ConfigError?
        var holders: [TokenDigest: String] = [:]
        if let api = apiToken.flatMap(ServeOperator.apiToken) { holders[api.tokenDigest] = "[serve] api_token (COORDINATOR_API_TOKEN)" }
        for name in table.keys.sorted() {
            if let reason = ServeOperator.nameProblem(name) {
                // Quoted, anything but printable ASCII escaped: a name is not a secret, but it comes
                // from a file and goes to a terminal.
                let shown = name.unicodeScalars.map { $0.escaped(asASCII: true) }.joined()
                throw ConfigError.invalidValue(path: path, section: parent, field: "name \"\(shown)\"", reason: reason)
            }
            let section = "\(parent).\(name)"
            guard let entry = table[name]?.table else {
                throw ConfigError.invalidValue(path: path, section: parent, field: name, reason: "must be a table ([\(section)])")
            }
            if name == ServeOperator.apiTokenName, apiToken.flatMap(ServeOperator.apiToken) != nil {
                throw ConfigError.invalidValue(
                    path: path, section: section, field: "name",
                    reason: "'api' is the name of [serve] api_token (COORDINATOR_API_TOKEN); give this operator another name, or drop api_token")
            }
            for unknown in entry.keys.sorted() where !operatorKeys.contains(unknown) {
                throw ConfigError.invalidValue(
                    path: path, section: section, field: unknown, reason: "unknown key; an operator has token_sha256 or token_env, and role")
            }
            let found = try operatorDigest(entry, section: section, reader: reader, environment: env)
            guard let roleText = try reader.string(entry, section, "role") else {
                throw ConfigError.invalidValue(path: path, section: section, field: "role", reason: "missing: set role = \"read\" or \"operate\"")
            }
            guard let role = OperatorRole(rawValue: roleText) else {
                throw ConfigError.invalidValue(
                    path: path, section: section, field: "role", reason: "'\(roleText)' is not a role: use \"read\" or \"operate\"")
            }
            let digest: TokenDigest
            switch found {
            case let .success(value): digest = value
            case let .failure(unset):
                problem = problem ?? unset
                continue
            }
            if let holder = holders[digest] {
                throw ConfigError.invalidValue(
                    path: path, section: section, field: "token",
                    reason: "the same token as \(holder): every operator needs a token of its own")
            }
            holders[digest] = "[\(section)]"
            operators.append(ServeOperator(name: name, role: role, tokenDigest: digest))
        }
        return (operators, problem)
    }

    /// The digest from exactly one of `token_sha256` and `token_env`; a `failure` when the
    /// variable is not set in this process. Error texts never quote a token or a digest.
    private static func operatorDigest(
        _ entry: TOMLTable, section: String, reader: SectionReader, environment env: (String) -> String?
    ) throws -> Result<TokenDigest, ConfigError> {
        let path = reader.path
        let hex = try reader.string(entry, section, "token_sha256")
        let variable = try reader.string(entry, section, "token_env")
        switch (hex, variable) {
        case (nil, nil):
            throw ConfigError.invalidValue(
                path: path, section: section, field: "token_sha256",
                reason: "missing: set token_sha256 (printf %s \"$TOKEN\" | sha256sum) or token_env (an environment variable holding the token)")
        case (_?, _?):
            throw ConfigError.invalidValue(
                path: path, section: section, field: "token_sha256", reason: "set either token_sha256 or token_env, not both")
        case let (hex?, nil):
            guard let digest = TokenDigest(hex: hex.trimmingCharacters(in: .whitespaces)) else {
                throw ConfigError.invalidValue(
                    path: path, section: section, field: "token_sha256",
                    reason: "must be 64 hexadecimal digits, the SHA-256 of the token (printf %s \"$TOKEN\" | sha256sum)")
            }
            return .success(digest)
        case let (nil, variable?):
            guard !variable.isEmpty, HeaderField.isValidValue(variable), !variable.contains("=") else {
                throw ConfigError.invalidValue(path: path, section: section, field: "token_env", reason: "must name an environment variable")
            }
            guard let token = env(variable), !token.isEmpty else {
                return .failure(ConfigError.invalidValue(
                    path: path, section: section, field: "token_env",
                    reason: "the environment variable \(variable) is not set or empty: export the operator's token in it before starting serve"))
            }
            guard HeaderField.isValidValue(token) else {
                throw ConfigError.invalidValue(
                    path: path, section: section, field: "token_env", reason: "the token in \(variable) must be one line of printable characters")
            }
            return .success(TokenDigest(of: token))
        }
    }
}
