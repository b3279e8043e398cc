import Foundation

/// Whether an issue is open or closed, as GitHub says.
public enum IssueState: String, Codable, Sendable, Equatable {
    case open
    case closed
}

/// One GitHub issue as the coordinator keeps it: the fields of the upstream cache entry.
///
/// Decoding is lenient (missing optional fields take defaults, unknown keys are ignored) so that a
/// cache written by the upstream tool or an older version reads without loss.
public struct Issue: Codable, Sendable, Equatable {
    public var number: Int
    public var title: String
    public var body: String
    public var state: IssueState
    public var labels: [String]
    public var assignees: [String]
    public var user: String
    public var createdAt: Date?
    public var updatedAt: Date?
    public var url: String
    public var locked: Bool

    public init(
        number: Int, title: String, body: String = "", state: IssueState = .open,
        labels: [String], assignees: [String] = [], user: String = "",
        createdAt: Date? = nil, updatedAt: Date? = nil, url: String = "", locked: Bool = false
    ) {
        self.number = number
        self.title = title
        self.body = body
        self.state = state
        self.labels = labels
        self.assignees = assignees
        self.user = user
        self.createdAt = createdAt
        self.updatedAt = updatedAt
        self.url = url
        self.locked = locked
    }

    enum CodingKeys: String, CodingKey {
        case number, title, body, state, labels, assignees, user, url, locked
        case createdAt = "created_at"
        case updatedAt = "updated_at"
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        number = try c.decode(Int.self, forKey: .number)
        title = try c.decodeIfPresent(String.self, forKey: .title) ?? ""
        body = try c.decodeIfPresent(String.self, forKey: .body) ?? ""
        state = IssueState(rawValue: (try c.decodeIfPresent(String.self, forKey: .state) ?? "open").lowercased()) ?? .open
        labels = try c.decodeIfPresent([String].self, forKey: .labels) ?? []
        assignees = try c.decodeIfPresent([String].self, forKey: .assignees) ?? []
        user = try c.decodeIfPresent(String.self, forKey: .user) ?? ""
        createdAt = (try c.decodeIfPresent(String.self, forKey: .createdAt)).flatMap(Timestamp.parse)
        updatedAt = (try c.decodeIfPresent(String.self, forKey: .updatedAt)).flatMap(Timestamp.parse)
        url = try c.decodeIfPresent(String.self, forKey: .url) ?? ""
        locked = try c.decodeIfPresent(Bool.self, forKey: .locked) ?? false
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(number, forKey: .number)
        try c.encode(title, forKey: .title)
        try c.encode(body, forKey: .body)
        try c.encode(state.rawValue, forKey: .state)
        try c.encode(labels, forKey: .labels)
        try c.encode(assignees, forKey: .assignees)
        try c.encode(user, forKey: .user)
        try c.encode(createdAt.map(Timestamp.format), forKey: .createdAt)
        try c.encode(updatedAt.map(Timestamp.format), forKey: .updatedAt)
        try c.encode(url, forKey: .url)
        try c.encode(locked, forKey: .locked)
    }
}
