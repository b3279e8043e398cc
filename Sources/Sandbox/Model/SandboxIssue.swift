import Foundation

/// The live state of one issue or pull request, as GitHub would report it now.
public struct SandboxIssue: Sendable, Equatable, Codable {
    public var owner: String
    public var repo: String
    public var number: Int
    public var title: String
    public var body: String?
    /// `open` or `closed`.
    public var state: String
    /// Label names in the order GitHub lists them.
    public var labels: [String]
    public var assignees: [String]
    public var user: String
    public var createdAt: Date
    public var updatedAt: Date
    public var closedAt: Date?
    public var isPullRequest: Bool
    public var linkedBranches: [String]
    public var locked: Bool
    public var comments: Int

    public init(
        owner: String, repo: String, number: Int, title: String, body: String? = nil, state: String = "open",
        labels: [String] = [], assignees: [String] = [], user: String = "octocat", createdAt: Date,
        updatedAt: Date, closedAt: Date? = nil, isPullRequest: Bool = false, linkedBranches: [String] = [],
        locked: Bool = false, comments: Int = 0
    ) {
        self.owner = owner
        self.repo = repo
        self.number = number
        self.title = title
        self.body = body
        self.state = state
        self.labels = labels
        self.assignees = assignees
        self.user = user
        self.createdAt = createdAt
        self.updatedAt = updatedAt
        self.closedAt = closedAt
        self.isPullRequest = isPullRequest
        self.linkedBranches = linkedBranches
        self.locked = locked
        self.comments = comments
    }
}

/// What a human may set when creating an issue.
struct SandboxNewIssue: Sendable, Equatable {
    var title: String
    var body: String?
    var labels: [String]
    var assignees: [String]
    var user: String
    var isPullRequest: Bool
    var linkedBranches: [String]

    init(
        title: String, body: String? = nil, labels: [String] = [], assignees: [String] = [],
        user: String = "octocat", isPullRequest: Bool = false, linkedBranches: [String] = []
    ) {
        self.title = title
        self.body = body
        self.labels = labels
        self.assignees = assignees
        self.user = user
        self.isPullRequest = isPullRequest
        self.linkedBranches = linkedBranches
    }
}
