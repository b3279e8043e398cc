import Foundation

/// The protocol between `serve` and a console attached to it (`coordinator console --server`):
/// the console's backend calls as HTTP under `/api/console`, their values the core's own types as
/// JSON (`ConsoleWire`). The documented API (`/api/repos`…) is for people and scripts; this one
/// carries exactly what the console's reducer takes, so an attached console behaves as a local
/// one. A console and a `serve` of different protocol versions refuse each other with a message.
public enum ConsoleProtocol {
    public static let version = 1
    /// The header a console sends its version in, and `serve` answers with its own.
    public static let versionHeader = "Coordinator-Console-Protocol"
}

/// `GET /api/console`: who the token is, and the repositories.
public struct ConsoleSessionDocument: Codable, Sendable, Equatable {
    public var protocolVersion: Int
    /// `serve`'s version, for the header.
    public var serverVersion: String
    /// The operator the token names, as the history records it.
    public var operatorName: String
    /// `read` or `operate`.
    public var role: String
    public var repos: [RepoProfile]

    public init(protocolVersion: Int = ConsoleProtocol.version, serverVersion: String, operatorName: String, role: String, repos: [RepoProfile]) {
        self.protocolVersion = protocolVersion
        self.serverVersion = serverVersion
        self.operatorName = operatorName
        self.role = role
        self.repos = repos
    }
}

/// One issue's dry-run plan as `POST /api/console/repos/{name}/previews` answers it.
public enum PreviewAnswer: Codable, Sendable, Equatable {
    case plan(PlanOutcome)
    /// Its plan could not be made (its linked branches could not be read), in words.
    case failed(String)
}

/// `POST /api/console/repos/{name}/busy`: the issues to survey, and the console's clock.
public struct BusySurveyRequest: Codable, Sendable, Equatable {
    public var issues: [Issue]
    public var now: Date

    public init(issues: [Issue], now: Date) {
        self.issues = issues
        self.now = now
    }
}

/// The data of an `issue` event: one cache entry of `repo` as `serve` left it, with the issue's
/// newest dispatch or unstick (`change.cached` absent: the issue left the cache).
public struct IssueEventDocument: Codable, Sendable, Equatable {
    public var repo: String
    public var change: IssueChange

    public init(repo: String, change: IssueChange) {
        self.repo = repo
        self.change = change
    }
}

/// The JSON coding of the console protocol and the `issue` event: the core's types with their own
/// key names; times as seconds since 1970, which a `Double` carries exactly (the issues' own
/// times stay ISO 8601 strings, as in the cache file).
public enum ConsoleWire {
    public static func encoder() -> JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .secondsSince1970
        return encoder
    }

    public static func decoder() -> JSONDecoder {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .secondsSince1970
        return decoder
    }

    public static func data(_ value: some Encodable) throws -> Data { try encoder().encode(value) }

    public static func line(_ value: some Encodable) throws -> String { String(decoding: try data(value), as: UTF8.self) }

    public static func decode<T: Decodable>(_ type: T.Type, from data: Data) throws -> T { try decoder().decode(type, from: data) }
}
