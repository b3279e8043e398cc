import Foundation

/// Which build's log an issue's newest dispatch leads to, and why there is none when there is none.
public enum BuildLogTarget: Sendable, Equatable {
    /// Build `number` of `jobPath`: its log can be read.
    case build(jobPath: String, number: Int)
    /// The queue item waits: no build, no log yet. `why` is Jenkins' reason
    /// ("Waiting for next available executor").
    case queued(why: String?)
    /// The queue item was cancelled before it became a build: there never will be a log.
    case cancelled
    /// No build to show, and `reason` says why (no dispatch, no job started, …).
    case none(reason: String)

    /// Why there is no log, in words (nil: there is one, or there will be once the build starts).
    public var noLogReason: String? {
        switch self {
        case .build, .queued: return nil
        case .cancelled: return "the queue item was cancelled before it became a build"
        case let .none(reason): return reason
        }
    }

    /// The newest dispatch of `issue` in `projection` (an unstick is not a dispatch: the build
    /// before it still has the log worth reading).
    public static func newestDispatch(of issue: Int, in projection: HistoryProjection) -> DispatchSummary? {
        projection.dispatches.values
            .filter { $0.issue == issue && !$0.isReset }
            .max { $0.sequence < $1.sequence }
    }

    /// Where `dispatch`'s log is: from what the history recorded, asking Jenkins only what it does
    /// not say (the queue item, or, once Jenkins forgot that, the job's builds). Never follows a
    /// URL from the history or an answer: a build is named by the recorded job path and a number.
    /// - Throws: what `jenkins` throws, but a forgotten queue item (`404`), which is looked for
    ///   among the job's builds.
    public static func resolve(_ dispatch: DispatchSummary?, jenkins: any BuildLogReading) async throws -> BuildLogTarget {
        guard let dispatch else { return .none(reason: "no dispatch recorded for this issue") }
        if dispatch.finished?.state == .cancelled { return .cancelled }
        guard let jobPath = dispatch.jobPath, !jobPath.isEmpty else {
            return .none(reason: "the dispatch recorded no Jenkins job (\(dispatch.lastStep.rawValue))")
        }
        if let number = dispatch.buildNumber ?? dispatch.finished?.number ?? dispatch.buildURL.flatMap(buildNumber(inURL:)) {
            return .build(jobPath: jobPath, number: number)
        }
        guard let queueID = dispatch.queueID else {
            switch dispatch.lastStep {
            case .intent, .answerLost:
                return .none(reason: "not known whether the job started: Jenkins' answer to the dispatch was lost")
            case .jobAbsent, .failed:
                return .none(reason: "the dispatch started no job")
            default:
                return .none(reason: "the dispatch recorded no queue item")
            }
        }
        let item: QueueItem
        do {
            item = try await jenkins.queueItem(id: queueID)
        } catch let JenkinsError.http(status, _, _) where status == 404 {
            // Jenkins forgets a queue item minutes after it left the queue; its build remembers it.
            if let number = try await jenkins.buildNumber(path: jobPath, queueItem: queueID) {
                return .build(jobPath: jobPath, number: number)
            }
            return .none(reason: "Jenkins forgot queue item \(queueID) and none of the job's newest builds came from it")
        }
        if item.cancelled { return .cancelled }
        if let number = item.buildNumber { return .build(jobPath: jobPath, number: number) }
        return .queued(why: item.why)
    }

    /// The number in `…/job/X/42/`, read, never requested.
    static func buildNumber(inURL url: String) -> Int? {
        guard let last = url.split(separator: "/").last, last.utf8.count <= 12, let number = Int(last), number > 0 else { return nil }
        return number
    }
}

extension RepoService {
    /// This repository's build logs, when its jobs run on a Jenkins that can serve them (always,
    /// outside tests with a fake job starter).
    public var buildLogs: (any BuildLogReading)? { jobs as? any BuildLogReading }

    /// Where the log of `issue`'s dispatch `dispatchID` (nil or unknown: its newest dispatch) is,
    /// read from the history as it stands now and, when needed, Jenkins (see
    /// `BuildLogTarget.resolve`); with the dispatch it came from.
    public func buildLogTarget(issue: Int, dispatchID: String? = nil) async throws -> (target: BuildLogTarget, dispatch: DispatchSummary?) {
        let projection = history.current()
        let dispatch = dispatchID.flatMap { projection.dispatches[$0] } ?? BuildLogTarget.newestDispatch(of: issue, in: projection)
        guard let jenkins = buildLogs else { return (.none(reason: "this repository's jobs run where no build log can be read"), dispatch) }
        return (try await BuildLogTarget.resolve(dispatch, jenkins: jenkins), dispatch)
    }
}
