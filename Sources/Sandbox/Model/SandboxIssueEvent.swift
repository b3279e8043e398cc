import Foundation

/// One entry of an issue's event history, as `GET /repos/{o}/{r}/issues/{n}/events` lists it:
/// a label added or removed, the issue closed or reopened, its title changed.
public struct SandboxIssueEvent: Sendable, Equatable, Codable {
    public enum Kind: String, Sendable, Equatable, Codable, CaseIterable {
        case labeled, unlabeled, closed, reopened, renamed
    }

    /// The label as it was when the event happened (GitHub keeps the name and colour of then).
    public struct Label: Sendable, Equatable, Codable {
        public var name: String
        public var color: String

        public init(name: String, color: String) {
            self.name = name
            self.color = color
        }
    }

    /// A title change: `renamed` only.
    public struct Rename: Sendable, Equatable, Codable {
        public var from: String
        public var to: String

        public init(from: String, to: String) {
            self.from = from
            self.to = to
        }
    }

    /// Unique across the Sandbox; a later event of an issue has a larger id.
    public var id: Int
    public var kind: Kind
    /// The login of who did it.
    public var actor: String
    public var createdAt: Date
    /// `labeled` and `unlabeled` only.
    public var label: Label?
    public var rename: Rename?

    public init(id: Int, kind: Kind, actor: String, createdAt: Date, label: Label? = nil, rename: Rename? = nil) {
        self.id = id
        self.kind = kind
        self.actor = actor
        self.createdAt = createdAt
        self.label = label
        self.rename = rename
    }
}
