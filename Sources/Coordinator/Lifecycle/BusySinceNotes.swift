import Foundation

/// What GitHub said about when an issue's busy label came on, and the issue as it was then: an
/// answer holds while the issue's `updated_at` and busy label are unchanged (any label move
/// changes `updated_at`), so it is asked again only when the issue changed (SPEC §12).
public struct BusySinceNote: Sendable, Equatable, Codable {
    public var issueUpdatedAt: Date
    public var busyLabel: String
    /// nil: GitHub lists no `labeled` event of the label ("none found"), which is an answer too.
    public var since: Date?

    public init(issueUpdatedAt: Date, busyLabel: String, since: Date?) {
        self.issueUpdatedAt = issueUpdatedAt
        self.busyLabel = busyLabel
        self.since = since
    }

    /// Whether this answers for `issue` holding `busyLabel` now.
    public func holds(for issue: Issue, busyLabel: String) -> Bool {
        issue.updatedAt == issueUpdatedAt && busyLabel == self.busyLabel
    }

    enum CodingKeys: String, CodingKey {
        case since
        case issueUpdatedAt = "issue_updated_at"
        case busyLabel = "busy_label"
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        busyLabel = try c.decode(String.self, forKey: .busyLabel)
        issueUpdatedAt = try Self.time(c, .issueUpdatedAt)
        since = try c.decodeNil(forKey: .since) ? nil : try Self.time(c, .since)
    }

    private static func time(_ c: KeyedDecodingContainer<CodingKeys>, _ key: CodingKeys) throws -> Date {
        guard let time = Timestamp.parse(try c.decode(String.self, forKey: key)) else {
            throw DecodingError.dataCorruptedError(forKey: key, in: c, debugDescription: "not a time")
        }
        return time
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(Timestamp.format(issueUpdatedAt), forKey: .issueUpdatedAt)
        try c.encode(busyLabel, forKey: .busyLabel)
        if let since { try c.encode(Timestamp.format(since), forKey: .since) } else { try c.encodeNil(forKey: .since) }
    }
}

/// The busy-since answers of one repository, in `NAME.busy-since.json` beside the cache, so that
/// a new process (every `coordinator status` from cron) asks GitHub only about issues that changed.
/// Losing the file costs requests, nothing else: it is read leniently (a damaged file is reported
/// and replaced by the next write) and written crash-safely under the repository's lock.
public struct BusySinceNotes: Sendable, Equatable {
    public var byIssue: [Int: BusySinceNote]

    public init(_ byIssue: [Int: BusySinceNote] = [:]) {
        self.byIssue = byIssue
    }

    private struct File: Codable {
        var version = 1
        var issues: [String: BusySinceNote]
    }

    /// What reading the file found: the notes, and why they are none when the file was unreadable.
    public struct Read: Sendable, Equatable {
        public var notes: BusySinceNotes
        /// Set when the file exists but is not notes; nil when it was read or is missing.
        public var problem: String?

        public init(notes: BusySinceNotes, problem: String?) {
            self.notes = notes
            self.problem = problem
        }
    }

    /// The notes in `url`: none when the file is missing; none and a `problem` when it cannot be
    /// read or is not notes (it is replaced by the next write).
    public static func read(_ url: URL) -> Read {
        let data: Data
        do {
            data = try Data(contentsOf: url)
        } catch {
            if !FileManager.default.fileExists(atPath: url.path) { return Read(notes: BusySinceNotes(), problem: nil) }
            return Read(notes: BusySinceNotes(), problem: "cannot read \(url.path): \(error.localizedDescription)")
        }
        return decode(data, source: url.path)
    }

    /// The notes `data` holds (the file's bytes); `source` names where they came from in a problem.
    public static func decode(_ data: Data, source: String) -> Read {
        let file: File
        do {
            file = try JSONDecoder().decode(File.self, from: data)
        } catch {
            return Read(notes: BusySinceNotes(), problem: "\(source) is not busy-since notes (\(DecodingErrorText.describe(error))); it is ignored and will be replaced")
        }
        guard file.version == 1 else {
            return Read(notes: BusySinceNotes(), problem: "\(source) has version \(file.version), not 1; it is ignored and will be replaced")
        }
        var notes: [Int: BusySinceNote] = [:]
        for (key, note) in file.issues {
            if let number = Int(key), number > 0 { notes[number] = note }
        }
        return Read(notes: BusySinceNotes(notes), problem: nil)
    }

    /// The file's bytes.
    public func encoded() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
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
