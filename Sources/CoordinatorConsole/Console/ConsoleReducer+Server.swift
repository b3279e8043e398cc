import Coordinator
import Foundation

/// The `serve` a console is attached to (`console --server`), and the state of its event stream.
public struct ServerLink: Sendable, Equatable {
    public enum Connection: Sendable, Equatable {
        /// The event stream is open: what the console shows is kept current by it.
        case connected
        /// The stream dropped at `since`; the next attempt is at `retryAt`. What is shown is the
        /// last data, marked stale.
        case reconnecting(since: Date, retryAt: Date, reason: String)
    }

    /// Where `serve` is, as the operator gave it.
    public var url: String
    /// Who the token names.
    public var operatorName: String
    public var connection: Connection

    public init(url: String, operatorName: String, connection: Connection = .connected) {
        self.url = url
        self.operatorName = operatorName
        self.connection = connection
    }

    public var isConnected: Bool { connection == .connected }
}

/// What the event stream of an attached console brings.
public enum ServerSignal: Sendable, Equatable {
    /// The stream is open (again).
    case connected
    /// The stream dropped; the next attempt is at `retryAt`.
    case disconnected(reason: String, retryAt: Date)
    /// `serve` changed a cache entry (a webhook, a poll, anyone's dispatch, unstick or sync).
    case issueChanged(repo: String, IssueChange)
    /// `serve` polled `repo`: its cache's clocks moved.
    case polled(repo: String)
    /// Busy issues' builds of `repo` changed state.
    case buildsChanged(repo: String)
    /// The events since the last one seen are not all kept (or `serve` restarted): everything is
    /// read again.
    case reload
}

extension ConsoleState {
    static let lostEvents = "lost serve's events"

    mutating func handleServer(_ signal: ServerSignal) -> [ConsoleEffect] {
        switch signal {
        case .connected:
            let wasDown = server?.isConnected == false
            server?.connection = .connected
            if wasDown {
                // The loss is over: its message goes with it.
                if result?.message.hasPrefix(Self.lostEvents) == true { result = nil }
                report(.success, "reconnected to serve: resuming its events")
            }
            return []

        case let .disconnected(reason, retryAt):
            switch server?.connection {
            case let .reconnecting(since, _, _)?:
                server?.connection = .reconnecting(since: since, retryAt: retryAt, reason: reason)
            default:
                server?.connection = .reconnecting(since: now, retryAt: retryAt, reason: reason)
                report(.failure, "\(Self.lostEvents) (\(reason)): showing the last data, reconnecting")
            }
            return []

        case let .issueChanged(repo, change):
            guard let index = repoIndex(repo) else { return [] }
            apply(change, to: index)
            // serve wrote what GitHub answered or listed: that is the live state as it knows it.
            if let cached = change.cached, cached.state == .open {
                if repos[index].live != nil { repos[index].live?[change.number] = cached }
            } else {
                repos[index].live?[change.number] = nil
            }
            repos[index].labelPatches[change.number] = nil
            repos[index].previews[change.number] = nil
            rebuild(index)
            return requestPreviewIfNeeded()

        case let .polled(repo):
            guard running[TaskKey(.loadCache, repo: repo)] == nil else { return [] }
            beginTask(TaskKey(.loadCache, repo: repo), "reading \(repo) cache")
            return [.loadCache(repo: repo)]

        case let .buildsChanged(repo):
            return view == .busy ? startSurvey(repo) : []

        case .reload:
            report(.notice, "serve asked for a reload: reading everything again")
            var effects: [ConsoleEffect] = []
            for repo in repos.map(\.name) {
                if running[TaskKey(.loadCache, repo: repo)] == nil {
                    beginTask(TaskKey(.loadCache, repo: repo), "reading \(repo) cache")
                    effects.append(.loadCache(repo: repo))
                }
                effects += startRefresh(repo)
            }
            return effects
        }
    }
}
