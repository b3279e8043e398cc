import Foundation
/// Bytes of a build's log as a viewer holds them: the log's own bytes from `start`, so offsets
/// count what Jenkins counts.
public struct BuildLogBytes: Codable, Sendable, Equatable {
    public var start: Int
    public var bytes: [UInt8]
    /// Where the next read starts.
    public var nextStart: Int
    /// Jenkins has more: the build runs, or this read was cut at its limit.
    public var more: Bool

    public init(start: Int, bytes: [UInt8], nextStart: Int, more: Bool) {
        self.start = start
        self.bytes = bytes
        self.nextStart = nextStart
        self.more = more
    }

    private enum CodingKeys: String, CodingKey { case start, bytes, nextStart, more }

    /// The bytes travel as base64 (a quarter more than the log, where an array of numbers would
    /// be four times it).
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let text = try container.decode(String.self, forKey: .bytes)
        guard let data = Data(base64Encoded: text) else {
            throw DecodingError.dataCorruptedError(forKey: .bytes, in: container, debugDescription: "not base64")
        }
        self.init(
            start: try container.decode(Int.self, forKey: .start), bytes: [UInt8](data),
            nextStart: try container.decode(Int.self, forKey: .nextStart), more: try container.decode(Bool.self, forKey: .more))
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(start, forKey: .start)
        try container.encode(Data(bytes).base64EncodedString(), forKey: .bytes)
        try container.encode(nextStart, forKey: .nextStart)
        try container.encode(more, forKey: .more)
    }
}

extension BuildLogReading {
    /// At most `limit` bytes of build `number`'s log; from `start`, or (nil) the last `limit`
    /// bytes. Jenkins sends each lone `\n` as `\r\n`, so an answer may be up to twice as long as
    /// the log bytes it stands for: twice the limit is asked for and each `\r\n` made `\n` again,
    /// so the bytes given are the log's (exactly so for logs written with `\n`, as Linux agents
    /// write them). Nil when Jenkins has no such build.
    public func logBytes(path jobPath: String, number: Int, start: Int?, limit: Int) async throws -> BuildLogBytes? {
        let limit = max(0, limit)
        var from = max(0, start ?? 0)
        if start == nil {
            guard let size = try await logSize(path: jobPath, number: number) else { return nil }
            from = max(0, size - limit)
        }
        let (asked, overflow) = limit.multipliedReportingOverflow(by: 2)
        guard let piece = try await logText(path: jobPath, number: number, start: from, limit: overflow ? Int.max : asked) else { return nil }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(piece.bytes.count)
        var index = piece.bytes.startIndex
        while index < piece.bytes.endIndex {
            let byte = piece.bytes[index]
            if !(byte == 0x0D && index + 1 < piece.bytes.endIndex && piece.bytes[index + 1] == 0x0A) { bytes.append(byte) }
            index += 1
        }
        if bytes.count > limit {
            return BuildLogBytes(start: from, bytes: Array(bytes.prefix(limit)), nextStart: from + limit, more: true)
        }
        return BuildLogBytes(start: from, bytes: bytes, nextStart: max(piece.nextStart, from + bytes.count), more: piece.more)
    }
}
