import Foundation

/// A label as defined in a repository (GitHub keeps one definition per repository; issues
/// refer to it by name).
struct LabelDefinition: Sendable, Equatable {
    var id: Int
    var name: String
    var color: String
    var description: String?
}

/// One repository's live state.
struct GitHubRepository: Sendable {
    var id: Int
    var owner: String
    var name: String
    var defaultBranch: String
    var htmlHost: String
    var description: String?
    var createdAt: Date
    var labels: [LabelDefinition]
    var issues: [Int: SandboxIssue]
    /// Issue number -> its events, oldest first.
    var events: [Int: [SandboxIssueEvent]] = [:]

    var fullName: String { "\(owner)/\(name)" }
    var key: String { Self.key(owner: owner, name: name) }

    /// GitHub resolves owner and repository names case-insensitively.
    static func key(owner: String, name: String) -> String { "\(owner)/\(name)".lowercased() }

    func label(named name: String) -> LabelDefinition? {
        labels.first { $0.name == name } ?? labels.first { $0.name.lowercased() == name.lowercased() }
    }

    /// The label as GitHub would apply it: an existing definition (matched case-insensitively,
    /// keeping its spelling), or a new one with GitHub's default grey.
    mutating func resolveLabel(_ name: String, nextID: inout Int) -> LabelDefinition {
        if let existing = label(named: name) { return existing }
        let created = LabelDefinition(id: nextID, name: name, color: "ededed", description: nil)
        nextID += 1
        labels.append(created)
        return created
    }
}
