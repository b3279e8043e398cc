import Foundation
import NIOHTTP1

/// Build logs through Jenkins' `logText/progressiveText`, the endpoint its own log page polls.
///
/// Jenkins answers with the log from byte `start`, `X-Text-Size` (the log's size: where the next
/// request starts) and `X-More-Data: true` while the build runs. Two of its habits shape this
/// code: it sends every lone `\n` as `\r\n` (so the body is longer than the bytes it stands for),
/// and it answers a `start` beyond the log's end with the whole log ("rolled over").
extension JenkinsClient: BuildLogReading {
    /// The largest log size believed: beyond a petabyte the header is nonsense, not a log.
    static let largestLogSize = 1 << 50

    public func logText(path jobPath: String, number: Int, start: Int, limit: Int) async throws -> BuildLogPiece? {
        let start = max(0, start)
        guard let answer = try await progressiveText(path: jobPath, number: number, start: start, limit: max(0, limit)) else {
            return nil
        }
        let more = answer.header("x-more-data")?.lowercased() == "true"
        let size = answer.header("x-text-size").flatMap { Int($0.trimmingCharacters(in: .whitespaces)) }
            .flatMap { (0...Self.largestLogSize).contains($0) ? $0 : nil }
        if let size, size < start {
            // Jenkins took `start` for a log that rolled over and sent it from 0: nothing of it is
            // the log from `start`.
            return BuildLogPiece(bytes: [], nextStart: start, more: more)
        }
        var bytes = [UInt8](answer.body)
        if answer.truncated {
            // A `\r` at the cut may be the half of a `\r\n` Jenkins made of a lone `\n`: it is left
            // for the next piece, which starts at that `\n` (or at the `\r`, if it was the log's).
            if bytes.last == 0x0D { bytes.removeLast() }
            return BuildLogPiece(bytes: bytes, nextStart: start + Self.sourceLength(of: bytes), more: true)
        }
        return BuildLogPiece(bytes: bytes, nextStart: max(start, size ?? start + bytes.count), more: more)
    }

    public func logSize(path jobPath: String, number: Int) async throws -> Int? {
        // `HEAD`: the size is in the headers and no body is sent (a `GET` would have Jenkins write
        // out the whole log, however little of it is read).
        let url = Self.progressiveTextURL(serverURL, jobPath, number, start: 0)
        guard let answer = try await progressiveText(path: jobPath, number: number, start: 0, limit: 0, method: .HEAD) else { return nil }
        guard let text = answer.header("x-text-size"), let size = Int(text.trimmingCharacters(in: .whitespaces)),
              (0...Self.largestLogSize).contains(size)
        else {
            throw JenkinsError.malformed(url: url, message: "no log size (X-Text-Size) in the answer")
        }
        return size
    }

    /// How many bytes of the log `body` stands for, taking each `\r\n` for a lone `\n` Jenkins
    /// widened (what Linux agents write). For a log written with `\r\n` this counts one byte short
    /// per line, so the next piece repeats those bytes rather than skip any.
    static func sourceLength(of body: [UInt8]) -> Int {
        var length = body.count
        var previous: UInt8 = 0
        for byte in body {
            if byte == 0x0A, previous == 0x0D { length -= 1 }
            previous = byte
        }
        return length
    }

    static func progressiveTextURL(_ serverURL: String, _ jobPath: String, _ number: Int, start: Int) -> String {
        serverURL + jobURLPath(jobPath) + "/\(number)/logText/progressiveText?start=\(start)"
    }

    /// The answer, its body read up to `limit`; nil for `404`.
    private func progressiveText(
        path jobPath: String, number: Int, start: Int, limit: Int, method: HTTPMethod = .GET
    ) async throws -> HTTPAnswer? {
        guard !Self.jobURLPath(jobPath).isEmpty, number > 0 else { return nil }
        let url = Self.progressiveTextURL(serverURL, jobPath, number, start: start)
        let answer = try await get(url, accept: "text/plain", keepingAtMost: limit, method: method)
        switch answer.status {
        case 200: return answer
        case 404: return nil
        case 401: throw JenkinsError.unauthorized(url: url)
        default: throw JenkinsError.http(status: answer.status, url: url, message: answer.errorText)
        }
    }
}
