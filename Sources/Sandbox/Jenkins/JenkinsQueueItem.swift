import Foundation

/// One entry of the Jenkins queue, from `buildWithParameters` until it leaves the queue.
struct JenkinsQueueItem: Sendable {
    var id: Int
    var jobPath: String
    /// In the order received, for Jenkins' `params` rendering; duplicates resolved last-wins.
    var parameters: [(String, String)]
    var enqueuedAt: Date
    var startsAt: Date
    var cancelled = false
    var cancelledAt: Date?
    var buildNumber: Int?
    var startedAt: Date?

    /// When the item left the queue, by starting or by being cancelled.
    var leftAt: Date? { startedAt ?? cancelledAt }

    var parameterMap: [String: String] {
        parameters.reduce(into: [:]) { $0[$1.0] = $1.1 }
    }

    var isWaiting: Bool { !cancelled && buildNumber == nil }

    var asBuild: SandboxBuild {
        SandboxBuild(
            jobPath: jobPath, parameters: parameterMap, queueID: id, buildNumber: buildNumber,
            queuedAt: enqueuedAt, cancelled: cancelled
        )
    }
}

/// How a Basic-auth secret matched a Jenkins user; only passwords need a CSRF crumb.
enum JenkinsCredential: Equatable {
    case apiToken(user: String)
    case password(user: String)

    var user: String {
        switch self {
        case .apiToken(let user), .password(let user): user
        }
    }

    static func match(authorization: String?, users: [Scenario.User]) -> JenkinsCredential? {
        guard let authorization else { return nil }
        let parts = authorization.split(separator: " ", maxSplits: 1)
        guard parts.count == 2, parts[0].lowercased() == "basic",
              let decoded = Data(base64Encoded: String(parts[1]).trimmingCharacters(in: .whitespaces)),
              let text = String(data: decoded, encoding: .utf8),
              let colon = text.firstIndex(of: ":") else { return nil }
        let username = String(text[..<colon])
        let secret = String(text[text.index(after: colon)...])
        guard let user = users.first(where: { $0.username == username }) else { return nil }
        if let token = user.apiToken, token == secret { return .apiToken(user: username) }
        if let password = user.password, password == secret { return .password(user: username) }
        return nil
    }
}
