import Foundation

/// What became of a queue item while we waited for its build.
public enum BuildWait: Sendable, Equatable {
    /// The build runs (or ran) at this URL.
    case started(url: String)
    /// Someone cancelled the queue item in Jenkins.
    case cancelled
    /// Still queued, or Jenkins could not say within the time: the dispatch stands regardless.
    case notYet
}

extension JobStarter {
    /// Waits up to `timeout` for queue item `id` to become a build, asking every `interval`, or
    /// once when `interval` is nil. The one place that waits for a build URL (after a dispatch and
    /// for `coordinator test`). Cosmetic: a failed or slow answer is `.notYet`, never an error
    /// (failure mode 14).
    public func waitForBuild(queueItem id: Int, within timeout: Duration, every interval: Duration? = nil) async -> BuildWait {
        let clock = ContinuousClock()
        let deadline = clock.now + timeout
        while true {
            switch await askOnce(queueItem: id, until: deadline) {
            case let .started(url): return .started(url: url)
            case .cancelled: return .cancelled
            case .notYet: break
            }
            guard let interval, clock.now + interval < deadline else { return .notYet }
            do { try await Task.sleep(for: interval) } catch { return .notYet }
        }
    }

    /// One read of the queue item, abandoned at `deadline`.
    private func askOnce(queueItem id: Int, until deadline: ContinuousClock.Instant) async -> BuildWait {
        await withTaskGroup(of: BuildWait.self) { group in
            group.addTask {
                guard let item = try? await self.queueItem(id: id) else { return .notYet }
                if let url = item.buildURL { return .started(url: url) }
                return item.cancelled ? .cancelled : .notYet
            }
            group.addTask {
                try? await Task.sleep(until: deadline, clock: ContinuousClock())
                return .notYet
            }
            let first = await group.next() ?? .notYet
            group.cancelAll()
            return first
        }
    }
}
