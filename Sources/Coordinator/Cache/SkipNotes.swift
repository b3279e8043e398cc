import Foundation

/// Why a run skipped an issue for its linked branches (none, or several), and the issue state it
/// saw: GitHub's linked-branch answer, remembered so that a run inside the reuse window plans the
/// same skip again without a request (SPEC §5.1.1: no API call inside the window).
public struct SkipNote: Sendable, Equatable, Codable {
    public var branches: [String]
    public var issueUpdatedAt: Date
    public var pickup: String

    public init(branches: [String], issueUpdatedAt: Date, pickup: String) {
        self.branches = branches
        self.issueUpdatedAt = issueUpdatedAt
        self.pickup = pickup
    }

    enum CodingKeys: String, CodingKey {
        case branches, pickup
        case issueUpdatedAt = "issue_updated_at"
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        branches = try c.decode([String].self, forKey: .branches)
        pickup = try c.decode(String.self, forKey: .pickup)
        guard let updated = Timestamp.parse(try c.decode(String.self, forKey: .issueUpdatedAt)) else {
            throw DecodingError.dataCorruptedError(forKey: .issueUpdatedAt, in: c, debugDescription: "not a time")
        }
        issueUpdatedAt = updated
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(branches, forKey: .branches)
        try c.encode(pickup, forKey: .pickup)
        try c.encode(Timestamp.format(issueUpdatedAt), forKey: .issueUpdatedAt)
    }
}

/// The skip notes of one repository, in `NAME.skips.json` beside the cache — not in the cache
/// itself, which a skip never touches (failure mode 8). Losing the file costs branch lookups,
/// nothing else: it is read leniently and written crash-safely, under the repo lock.
public struct SkipNotes: Sendable, Equatable {
    public var byIssue: [Int: SkipNote]

    public init(_ byIssue: [Int: SkipNote] = [:]) {
        self.byIssue = byIssue
    }

    /// The branches linked to `issue` when a run skipped it from `pickup`, while the issue is as
    /// it was then (same `updated_at`, same pickup label).
    public func branches(of issue: Issue, pickup: String) -> [String]? {
        guard let note = byIssue[issue.number], note.pickup == pickup, let updated = issue.updatedAt,
            note.issueUpdatedAt == updated
        else { return nil }
        return note.branches
    }

    private struct File: Codable {
        var version = 1
        var issues: [String: SkipNote]
    }

    /// The notes in `url`; none when the file is missing or unreadable.
    public static func read(_ url: URL) -> SkipNotes {
        (try? Data(contentsOf: url)).map(decode) ?? SkipNotes()
    }

    /// The notes `data` holds (the file's bytes); none when it is not notes.
    public static func decode(_ data: Data) -> SkipNotes {
        guard let file = try? JSONDecoder().decode(File.self, from: data) else { return SkipNotes() }
        var notes: [Int: SkipNote] = [:]
        for (key, note) in file.issues {
            if let number = Int(key) { notes[number] = note }
        }
        return SkipNotes(notes)
    }

    /// The file's bytes.
    public func encoded() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return try encoder.encode(File(issues: Dictionary(uniqueKeysWithValues: byIssue.map { (String($0.key), $0.value) })))
    }

    /// Writes the notes crash-safely (0600); an empty set removes the file.
    public func write(to url: URL) throws {
        guard !byIssue.isEmpty else {
            if FileManager.default.fileExists(atPath: url.path) { try FileManager.default.removeItem(at: url) }
            return
        }
        try AtomicFile.write(try encoded(), to: url, permissions: 0o600)
    }
}
