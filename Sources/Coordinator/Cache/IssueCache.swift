import Foundation

/// One repository's issue cache, in the file shape the upstream tool shares (SPEC §5); the file's
/// bytes are `IssueCacheCodec`'s.
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
