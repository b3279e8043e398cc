import Foundation

/// One repository's issue cache, in the file shape the upstream tool shares (SPEC §5).
public struct IssueCache: Sendable, Equatable {
    public static let currentVersion = 1

    public var lastChecked: Date?
    public var lastFullRefresh: Date?
    /// The incremental cursor: every update up to here is in `issues`.
    public var updatesCoveredThrough: Date?
    public var issues: [Int: Issue]
    /// The conditional-request validator of the last single-page incremental listing.
    public var listValidator: ListValidator?

    public init(
        lastChecked: Date? = nil, lastFullRefresh: Date? = nil, updatesCoveredThrough: Date? = nil,
        issues: [Int: Issue] = [:], listValidator: ListValidator? = nil
    ) {
        self.lastChecked = lastChecked
        self.lastFullRefresh = lastFullRefresh
        self.updatesCoveredThrough = updatesCoveredThrough
        self.issues = issues
        self.listValidator = listValidator
    }

    public static let empty = IssueCache()

    /// Issues by number, ascending.
    public var sortedIssues: [Issue] { issues.values.sorted { $0.number < $1.number } }
}

extension IssueCache: Codable {
    enum CodingKeys: String, CodingKey {
        case version
        case lastChecked = "last_checked"
        case lastFullRefresh = "last_full_refresh"
        case updatesCoveredThrough = "updates_covered_through"
        case issues
        case listValidator = "list_validator"
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        func date(_ key: CodingKeys) throws -> Date? {
            guard let text = try c.decodeIfPresent(String.self, forKey: key) else { return nil }
            guard let date = Timestamp.parse(text) else {
                throw DecodingError.dataCorruptedError(forKey: key, in: c, debugDescription: "'\(text)' is not an ISO-8601 time")
            }
            return date
        }
        lastChecked = try date(.lastChecked)
        lastFullRefresh = try date(.lastFullRefresh)
        updatesCoveredThrough = try date(.updatesCoveredThrough)
        let byKey = try c.decodeIfPresent([String: Issue].self, forKey: .issues) ?? [:]
        var issues: [Int: Issue] = [:]
        for (_, issue) in byKey { issues[issue.number] = issue }
        self.issues = issues
        // A validator we cannot read costs one unconditional request, never the cache.
        listValidator = try? c.decodeIfPresent(ListValidator.self, forKey: .listValidator)
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(Self.currentVersion, forKey: .version)
        try c.encode(lastChecked.map(Timestamp.format), forKey: .lastChecked)
        try c.encode(lastFullRefresh.map(Timestamp.format), forKey: .lastFullRefresh)
        try c.encode(updatesCoveredThrough.map(Timestamp.format), forKey: .updatesCoveredThrough)
        try c.encode(Dictionary(uniqueKeysWithValues: issues.map { (String($0.key), $0.value) }), forKey: .issues)
        try c.encodeIfPresent(listValidator, forKey: .listValidator)
    }
}
