import Foundation

/// A snapshot of a repository's `HistoryProjection` at a position of its history file
/// (`NAME.history.checkpoint`), so a new process reads the checkpoint and the lines after it
/// instead of the whole history. Written atomically (`AtomicFile`) under the repository's lock.
///
/// The format is binary — a magic line, the fields in a fixed order (numbers as LEB128, strings
/// length-prefixed), and an FNV-1a checksum of everything before it — because reading a few
/// thousand dispatch summaries through `JSONDecoder` would cost more than the start-up it saves.
/// Anything that does not read back exactly (a torn or damaged file, another version) is
/// `Unreadable`: the caller moves it aside and rebuilds from the log. Nothing in it can trap.
public enum HistoryCheckpoint {
    public struct Unreadable: Error, Sendable, CustomStringConvertible {
        public var reason: String
        public var description: String { reason }
    }

    /// What a checkpoint holds: the projection and where in the log it stands.
    public struct Snapshot: Sendable, Equatable {
        public var position: HistoryLog.Position
        public var projection: HistoryProjection

        public init(position: HistoryLog.Position, projection: HistoryProjection) {
            self.position = position
            self.projection = projection
        }
    }

    static let magic = Array("coordinator-history-checkpoint 1\n".utf8)

    public static func encode(_ snapshot: Snapshot) -> Data {
        var out = BinaryWriter()
        out.bytes(magic)
        let position = snapshot.position
        out.uint(position.device)
        out.uint(position.inode)
        out.int(Int(position.offset))
        out.int(position.line)
        let parts = snapshot.projection.parts
        out.int(parts.recordCount)
        out.int(parts.nextSequence)
        out.date(parts.oldestRecord)
        out.date(parts.compactionNotBefore)
        out.int(parts.dispatches.count)
        for summary in parts.dispatches { out.summary(summary) }
        out.int(parts.latestByPickup.count)
        for entry in parts.latestByPickup {
            out.int(entry.issue)
            out.string(entry.pickup)
            out.string(entry.id)
        }
        for map in [parts.trailByIssue, parts.lastByIssue] {
            out.int(map.count)
            for (issue, id) in map {
                out.int(issue)
                out.string(id)
            }
        }
        out.int(parts.notices.count)
        for notice in parts.notices {
            out.string(notice.kind.rawValue)
            out.string(notice.file)
            out.int(notice.line)
            out.string(notice.excerpt)
            out.string(notice.reason)
        }
        let sum = fnv1a(out.data)
        out.uint(sum)
        return Data(out.data)
    }

    public static func decode(_ data: Data) throws(Unreadable) -> Snapshot {
        let bytes = [UInt8](data)
        guard bytes.count > magic.count, bytes.starts(with: magic) else {
            throw Unreadable(reason: "not a history checkpoint of this version")
        }
        var input = BinaryReader(bytes: bytes, at: magic.count)
        do {
            let position = HistoryLog.Position(
                device: try input.uint(), inode: try input.uint(), offset: Int64(try input.int()), line: try input.int())
            // A position before the file's start could never be read from: the tail would stay unread.
            guard position.offset >= 0, position.line >= 0 else { throw Unreadable(reason: "a log position before the file's start") }
            let recordCount = try input.int()
            let nextSequence = try input.int()
            let oldest = try input.date()
            let notBefore = try input.date()
            var dispatches: [DispatchSummary] = []
            let dispatchCount = try input.count()
            dispatches.reserveCapacity(dispatchCount)
            for _ in 0..<dispatchCount { dispatches.append(try input.summary()) }
            var latest: [(issue: Int, pickup: String, id: String)] = []
            for _ in 0..<(try input.count()) { latest.append((try input.int(), try input.string(), try input.string())) }
            var maps: [[(Int, String)]] = []
            for _ in 0..<2 {
                var map: [(Int, String)] = []
                for _ in 0..<(try input.count()) { map.append((try input.int(), try input.string())) }
                maps.append(map)
            }
            var notices: [HistoryLog.Notice] = []
            for _ in 0..<(try input.count()) {
                guard let kind = HistoryLog.Notice.Kind(rawValue: try input.string()) else { throw Unreadable(reason: "unknown notice kind") }
                notices.append(.init(kind: kind, file: try input.string(), line: try input.int(), excerpt: try input.string(), reason: try input.string()))
            }
            let end = input.at
            let sum = try input.uint()
            guard input.at == bytes.count else { throw Unreadable(reason: "bytes after the checksum") }
            guard sum == fnv1a(bytes[0..<end]) else { throw Unreadable(reason: "checksum does not match: damaged or torn") }
            let projection = HistoryProjection(.init(
                dispatches: dispatches, latestByPickup: latest, trailByIssue: maps[0], lastByIssue: maps[1], notices: notices,
                oldestRecord: oldest, compactionNotBefore: notBefore, recordCount: recordCount, nextSequence: nextSequence))
            return Snapshot(position: position, projection: projection)
        } catch let error as Unreadable {
            throw error
        } catch {
            throw Unreadable(reason: "unreadable")
        }
    }

    static func fnv1a(_ bytes: some Sequence<UInt8>) -> UInt64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in bytes {
            hash ^= UInt64(byte)
            hash = hash &* 0x0000_0100_0000_01b3
        }
        return hash
    }
}

// MARK: The binary form

private struct BinaryWriter {
    var data: [UInt8] = []

    mutating func bytes(_ bytes: [UInt8]) { data.append(contentsOf: bytes) }

    mutating func uint(_ value: UInt64) {
        var value = value
        repeat {
            var byte = UInt8(value & 0x7f)
            value >>= 7
            if value != 0 { byte |= 0x80 }
            data.append(byte)
        } while value != 0
    }

    /// Zigzag, so small negative numbers stay small.
    mutating func int(_ value: Int) {
        let wide = Int64(value)
        uint(UInt64(bitPattern: (wide << 1) ^ (wide >> 63)))
    }

    mutating func bool(_ value: Bool) { data.append(value ? 1 : 0) }

    mutating func string(_ value: String) {
        let utf8 = Array(value.utf8)
        int(utf8.count)
        data.append(contentsOf: utf8)
    }

    mutating func optional<T>(_ value: T?, _ write: (inout BinaryWriter, T) -> Void) {
        guard let value else {
            data.append(0)
            return
        }
        data.append(1)
        write(&self, value)
    }

    /// Milliseconds since 1970: the history's times are whole seconds or milliseconds.
    mutating func date(_ value: Date?) {
        optional(value) { out, date in
            let milliseconds = (date.timeIntervalSince1970 * 1000).rounded()
            out.int(milliseconds.isFinite ? Int(max(-1e15, min(1e15, milliseconds))) : 0)
        }
    }

    mutating func summary(_ s: DispatchSummary) {
        string(s.dispatchID)
        int(s.issue)
        string(s.pickup)
        string(s.busy)
        int(s.sequence)
        optional(s.workflow) { $0.string($1) }
        optional(s.by) { $0.string($1) }
        date(s.startedAt)
        date(s.lastTime)
        string(s.lastStep.rawValue)
        date(s.lastStepAt)
        optional(s.lastMessage) { $0.string($1) }
        optional(s.intent) { out, intent in
            out.optional(intent.workflow) { $0.string($1) }
            out.optional(intent.by) { $0.string($1) }
            out.date(intent.issueUpdatedAt)
            out.optional(intent.jobPath) { $0.string($1) }
            out.optional(intent.parameters) { out, parameters in
                out.int(parameters.count)
                for parameter in parameters {
                    out.string(parameter.name)
                    out.string(parameter.value)
                }
            }
        }
        optional(s.jobPath) { $0.string($1) }
        optional(s.jobStart) { out, start in
            switch start {
            case let .answered(merged):
                out.data.append(0)
                out.bool(merged)
            case let .found(place):
                out.data.append(1)
                out.optional(place) { $0.string($1.rawValue) }
            }
        }
        optional(s.queueID) { $0.int($1) }
        optional(s.buildURL) { $0.string($1) }
        optional(s.buildNumber) { $0.int($1) }
        date(s.labelsMovedAt)
        optional(s.buildEnd) { out, end in
            out.optional(end.buildNumber) { $0.int($1) }
            out.string(end.result)
            out.optional(end.durationMS) { $0.int($1) }
            out.date(end.finishedAt)
        }
    }
}

private struct BinaryReader {
    let bytes: [UInt8]
    var at: Int

    mutating func byte() throws -> UInt8 {
        guard at < bytes.count else { throw HistoryCheckpoint.Unreadable(reason: "ends early: torn or damaged") }
        defer { at += 1 }
        return bytes[at]
    }

    mutating func uint() throws -> UInt64 {
        var value: UInt64 = 0
        var shift: UInt64 = 0
        while true {
            let byte = try byte()
            guard shift < 64 else { throw HistoryCheckpoint.Unreadable(reason: "a number is too long") }
            value |= UInt64(byte & 0x7f) << shift
            if byte & 0x80 == 0 { return value }
            shift += 7
        }
    }

    mutating func int() throws -> Int {
        let raw = try uint()
        let wide = Int64(bitPattern: (raw >> 1) ^ (0 &- (raw & 1)))
        guard let value = Int(exactly: wide) else { throw HistoryCheckpoint.Unreadable(reason: "a number is out of range") }
        return value
    }

    /// A count of items that follow: never more than the bytes left could hold.
    mutating func count() throws -> Int {
        let value = try int()
        guard value >= 0, value <= bytes.count - at else { throw HistoryCheckpoint.Unreadable(reason: "a count is out of range") }
        return value
    }

    mutating func bool() throws -> Bool {
        switch try byte() {
        case 0: false
        case 1: true
        default: throw HistoryCheckpoint.Unreadable(reason: "a flag is neither 0 nor 1")
        }
    }

    mutating func string() throws -> String {
        let length = try count()
        defer { at += length }
        return String(decoding: bytes[at..<(at + length)], as: UTF8.self)
    }

    mutating func optional<T>(_ read: (inout BinaryReader) throws -> T) throws -> T? {
        try bool() ? try read(&self) : nil
    }

    mutating func date() throws -> Date? {
        try optional { Date(timeIntervalSince1970: TimeInterval(try $0.int()) / 1000) }
    }

    mutating func requiredDate() throws -> Date {
        guard let date = try date() else { throw HistoryCheckpoint.Unreadable(reason: "a time is missing") }
        return date
    }

    mutating func summary() throws -> DispatchSummary {
        let id = try string(), issue = try int(), pickup = try string(), busy = try string(), sequence = try int()
        let workflow = try optional { try $0.string() }
        let by = try optional { try $0.string() }
        let startedAt = try requiredDate(), lastTime = try requiredDate()
        guard let lastStep = HistoryStep.Kind(rawValue: try string()) else { throw HistoryCheckpoint.Unreadable(reason: "unknown step") }
        let lastStepAt = try requiredDate()
        var summary = DispatchSummary(
            dispatchID: id, issue: issue, pickup: pickup, busy: busy, sequence: sequence, startedAt: startedAt,
            lastStep: lastStep, lastStepAt: lastStepAt)
        summary.workflow = workflow
        summary.by = by
        summary.lastTime = lastTime
        summary.lastMessage = try optional { try $0.string() }
        summary.intent = try optional { input in
            HistoryStep.Intent(
                workflow: try input.optional { try $0.string() }, by: try input.optional { try $0.string() },
                issueUpdatedAt: try input.date(), jobPath: try input.optional { try $0.string() },
                parameters: try input.optional { input in
                    try (0..<(try input.count())).map { _ in JobParameter(try input.string(), try input.string()) }
                })
        }
        summary.jobPath = try optional { try $0.string() }
        summary.jobStart = try optional { input in
            switch try input.byte() {
            case 0: return .answered(merged: try input.bool())
            case 1:
                let place = try input.optional { input in
                    guard let place = JobSighting.Place(rawValue: try input.string()) else { throw HistoryCheckpoint.Unreadable(reason: "unknown place") }
                    return place
                }
                return .found(place)
            default: throw HistoryCheckpoint.Unreadable(reason: "unknown job start")
            }
        }
        summary.queueID = try optional { try $0.int() }
        summary.buildURL = try optional { try $0.string() }
        summary.buildNumber = try optional { try $0.int() }
        summary.labelsMovedAt = try date()
        summary.buildEnd = try optional { input in
            HistoryStep.BuildEnd(
                buildNumber: try input.optional { try $0.int() }, result: try input.string(),
                durationMS: try input.optional { try $0.int() }, finishedAt: try input.date())
        }
        return summary
    }
}
