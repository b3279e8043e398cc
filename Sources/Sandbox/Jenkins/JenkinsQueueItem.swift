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
    /// The result the build ends with (the scenario's `build_result` unless the control API set one).
    var result: SandboxBuildResult
    /// When the control API ended the build; otherwise it ends `build_duration_ms` after it started.
    var endedAt: Date?
    /// The user whose request queued it: the build's log starts `Started by user NAME`.
    var requestedBy = "anonymous"
    /// Text the control API added to the build's log while it ran, with when.
    var logAppends: [(at: Date, bytes: Data)] = []

    /// When the item left the queue, by starting or by being cancelled.
    var leftAt: Date? { startedAt ?? cancelledAt }

    /// When the build ends (or ended); nil while the item waits or when it was cancelled.
    func endsAt(buildDuration: TimeInterval) -> Date? {
        guard let startedAt else { return nil }
        return endedAt ?? startedAt.addingTimeInterval(buildDuration)
    }

    /// A build that has started and not ended. One ended through the control API stays ended even
    /// if the clock is later set back.
    func isBuilding(now: Date, buildDuration: TimeInterval) -> Bool {
        guard let startedAt, endedAt == nil else { return false }
        return now < startedAt.addingTimeInterval(buildDuration)
    }

    /// The build's result as Jenkins reports it: nil until it ended.
    func finalResult(now: Date, buildDuration: TimeInterval) -> SandboxBuildResult? {
        guard startedAt != nil, !isBuilding(now: now, buildDuration: buildDuration) else { return nil }
        return result
    }

    var parameterMap: [String: String] {
        parameters.reduce(into: [:]) { $0[$1.0] = $1.1 }
    }

    var isWaiting: Bool { !cancelled && buildNumber == nil }

    func asBuild(now: Date, buildDuration: TimeInterval) -> SandboxBuild {
        SandboxBuild(
            jobPath: jobPath, parameters: parameterMap, queueID: id, buildNumber: buildNumber,
            queuedAt: enqueuedAt, cancelled: cancelled, building: isBuilding(now: now, buildDuration: buildDuration),
            result: finalResult(now: now, buildDuration: buildDuration)
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
