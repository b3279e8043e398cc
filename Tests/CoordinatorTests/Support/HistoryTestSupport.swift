import Foundation
@testable import Coordinator

/// Reading a step's facts in assertions, whatever the step.
extension HistoryRecord {
    var by: String? {
        switch step {
        case let .intent(intent): intent.by
        case let .reset(_, by, _): by
        default: nil
        }
    }

    var queueID: Int? {
        switch step {
        case let .jobStarted(queueID, _), let .jobFound(_, queueID, _, _), let .done(queueID, _, _): queueID
        default: nil
        }
    }

    var foundIn: JobSighting.Place? {
        if case let .jobFound(place, _, _, _) = step { return place }
        return nil
    }

    var buildNumber: Int? {
        switch step {
        case let .buildStarted(number): number
        case let .buildFinished(end): end.buildNumber
        default: nil
        }
    }

    var result: String? {
        if case let .buildFinished(end) = step { return end.result }
        return nil
    }

    /// A record with a step that carries no facts of its own worth setting in a test.
    static func plain(_ kind: HistoryStep.Kind, id: String, issue: Int, pickup: String, busy: String, at time: Date = Date()) -> HistoryRecord {
        let step: HistoryStep = switch kind {
        case .intent: .intent(.init(workflow: nil, by: nil))
        case .answerLost: .answerLost(message: nil)
        case .jobStarted: .jobStarted(queueID: nil, merged: false)
        case .jobFound: .jobFound(place: .queue, queueID: nil, buildURL: nil, message: nil)
        case .jobAbsent: .jobAbsent(message: nil)
        case .labelsMoved: .labelsMoved
        case .done: .done(queueID: nil, buildURL: nil, message: nil)
        case .failed: .failed(message: nil)
        case .buildStarted: .buildStarted(buildNumber: 1)
        case .buildFinished: .buildFinished(.init(buildNumber: 1, result: "SUCCESS"))
        case .reset: .reset(workflow: nil, by: nil, message: nil)
        case .unknown: .unknown(name: "future")
        }
        return HistoryRecord(time: time, dispatchID: id, issue: issue, pickup: pickup, busy: busy, step: step)
    }
}

extension HistoryLog {
    /// The projection of the whole file, folded from its first line (no checkpoint).
    func projection() -> HistoryProjection {
        var projection = HistoryProjection()
        for record in records() { projection.apply(record) }
        return projection
    }
}
