import Foundation

/// The one place a history record becomes a line of the file and a line becomes a record.
///
/// The line is a JSON object with sorted keys: `time`, `dispatch_id`, `issue`, `pickup`, `busy`,
/// `event` (the step's name) and the step's own keys (`workflow`, `by`, `issue_updated_at`,
/// `job_path`, `parameters`, `queue_id`, `merged`, `found_in`, `build_url`, `build_number`,
/// `result`, `duration_ms`, `finished_at`, `message`). Older versions wrote some keys on every
/// line (`workflow`); they are read and ignored where the step has no use for them, so every
/// ledger written before reads without losing a record.
public enum HistoryLine {
    /// Why a line could not be read: it is reported with its file and line number, and skipped.
    public struct Damage: Error, Sendable, Equatable {
        public var reason: String
    }

    public static func encode(_ record: HistoryRecord) -> Data {
        var wire = Wire(
            time: Timestamp.format(record.time), dispatchID: record.dispatchID, issue: record.issue, pickup: record.pickup,
            busy: record.busy, event: record.kind.rawValue)
        switch record.step {
        case let .intent(intent):
            wire.workflow = intent.workflow
            wire.by = intent.by
            wire.issueUpdatedAt = intent.issueUpdatedAt.map(Timestamp.format)
            wire.jobPath = intent.jobPath
            wire.parameters = intent.parameters
        case let .answerLost(message), let .jobAbsent(message), let .failed(message):
            wire.message = message
        case let .jobStarted(queueID, merged):
            wire.queueID = queueID
            wire.merged = merged
        case let .jobFound(place, queueID, buildURL, message):
            wire.foundIn = place?.rawValue
            wire.queueID = queueID
            wire.buildURL = buildURL
            wire.message = message
        case .labelsMoved:
            break
        case let .done(queueID, buildURL, message):
            wire.queueID = queueID
            wire.buildURL = buildURL
            wire.message = message
        case let .buildStarted(number):
            wire.buildNumber = number
        case let .buildFinished(end):
            wire.buildNumber = end.buildNumber
            wire.result = end.result
            wire.durationMS = end.durationMS
            wire.finishedAt = end.finishedAt.map(Timestamp.format)
        case let .reset(workflow, by, message):
            wire.workflow = workflow
            wire.by = by
            wire.message = message
        case let .unknown(name):
            // Never written by this version: an unknown step stays the line it was in the file.
            wire.event = name
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        // A struct of strings, numbers and booleans always encodes.
        return (try? encoder.encode(wire)) ?? Data()
    }

    /// The record a line holds. A line that is not a record (not JSON, a missing or mistyped key,
    /// a bad time) is `Damage` with what was wrong; a step this version does not know is an
    /// `.unknown` record, so its caller can say so and go on.
    public static func decode(_ line: some DataProtocol) throws(Damage) -> HistoryRecord {
        let wire: Wire
        do {
            wire = try JSONDecoder().decode(Wire.self, from: Data(line))
        } catch {
            throw Damage(reason: DecodingErrorText.describe(error))
        }
        guard let time = Timestamp.parse(wire.time) else { throw Damage(reason: "time \(wire.time.debugDescription) is not an ISO-8601 UTC time") }
        func date(_ text: String?, _ key: String) throws(Damage) -> Date? {
            guard let text else { return nil }
            guard let date = Timestamp.parse(text) else { throw Damage(reason: "\(key) \(text.debugDescription) is not an ISO-8601 UTC time") }
            return date
        }
        let step: HistoryStep
        switch HistoryStep.Kind(rawValue: wire.event) {
        case .intent?:
            step = .intent(.init(
                workflow: wire.workflow, by: wire.by, issueUpdatedAt: try date(wire.issueUpdatedAt, "issue_updated_at"),
                jobPath: wire.jobPath, parameters: wire.parameters))
        case .answerLost?: step = .answerLost(message: wire.message)
        case .jobStarted?: step = .jobStarted(queueID: wire.queueID, merged: wire.merged ?? false)
        case .jobFound?:
            step = .jobFound(
                place: wire.foundIn.flatMap(JobSighting.Place.init(rawValue:)), queueID: wire.queueID, buildURL: wire.buildURL,
                message: wire.message)
        case .jobAbsent?: step = .jobAbsent(message: wire.message)
        case .labelsMoved?: step = .labelsMoved
        case .done?: step = .done(queueID: wire.queueID, buildURL: wire.buildURL, message: wire.message)
        case .failed?: step = .failed(message: wire.message)
        case .buildStarted?:
            guard let number = wire.buildNumber else { throw Damage(reason: "build_started without build_number") }
            step = .buildStarted(buildNumber: number)
        case .buildFinished?:
            step = .buildFinished(.init(
                buildNumber: wire.buildNumber, result: wire.result ?? "UNKNOWN", durationMS: wire.durationMS,
                finishedAt: try date(wire.finishedAt, "finished_at")))
        case .reset?: step = .reset(workflow: wire.workflow, by: wire.by, message: wire.message)
        case .unknown?, nil: step = .unknown(name: wire.event)
        }
        return HistoryRecord(time: time, dispatchID: wire.dispatchID, issue: wire.issue, pickup: wire.pickup, busy: wire.busy, step: step)
    }

    /// The file's flat shape, private to this codec: which keys mean something depends on `event`.
    private struct Wire: Codable {
        var time: String
        var dispatchID: String
        var issue: Int
        var pickup: String
        var busy: String
        var event: String
        var workflow: String?
        var by: String?
        var issueUpdatedAt: String?
        var jobPath: String?
        var parameters: [JobParameter]?
        var queueID: Int?
        var merged: Bool?
        var foundIn: String?
        var buildURL: String?
        var buildNumber: Int?
        var result: String?
        var durationMS: Int?
        var finishedAt: String?
        var message: String?

        init(time: String, dispatchID: String, issue: Int, pickup: String, busy: String, event: String) {
            self.time = time
            self.dispatchID = dispatchID
            self.issue = issue
            self.pickup = pickup
            self.busy = busy
            self.event = event
        }

        enum CodingKeys: String, CodingKey {
            case time, issue, pickup, busy, event, workflow, by, parameters, merged, result, message
            case dispatchID = "dispatch_id"
            case issueUpdatedAt = "issue_updated_at"
            case jobPath = "job_path"
            case queueID = "queue_id"
            case foundIn = "found_in"
            case buildURL = "build_url"
            case buildNumber = "build_number"
            case durationMS = "duration_ms"
            case finishedAt = "finished_at"
        }
    }
}
