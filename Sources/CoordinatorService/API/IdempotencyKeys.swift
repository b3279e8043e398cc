import Coordinator
import Foundation
import HTTPTypes
import Hummingbird

/// An API answer as data: what an `Idempotency-Key` keeps to answer a retry with.
public struct APIAnswer: Sendable, Equatable {
    public var status: HTTPResponse.Status
    public var body: Data

    init(status: HTTPResponse.Status = .ok, body: Data) {
        self.status = status
        self.body = body
    }

    /// An answer kept outside this process: its HTTP status code (100…599, else a 500) and body.
    public init(statusCode: Int, body: Data) {
        self.init(status: (100...599).contains(statusCode) ? HTTPResponse.Status(code: statusCode) : .internalServerError, body: body)
    }

    public var statusCode: Int { status.code }

    init(_ document: some Encodable, status: HTTPResponse.Status = .ok) {
        do {
            self.init(status: status, body: try JSONText.data(document))
        } catch {
            self.init(status: .internalServerError, body: Data(#"{"error":"internal_error","message":"the answer could not be encoded"}"#.utf8))
        }
    }

    public init(_ error: APIError) {
        self.init(APIErrorDocument(error: error.code, message: error.message), status: error.status)
    }

    /// `replayed`: the answer of an earlier request with the same key (`Idempotent-Replayed: true`).
    func response(replayed: Bool) -> Response {
        var headers: HTTPFields = [.contentType: "application/json"]
        if replayed, let name = HTTPField.Name("Idempotent-Replayed") { headers[name] = "true" }
        return Response(status: status, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(bytes: body)))
    }
}

/// Where the answers of operator actions sent with an `Idempotency-Key` are kept, per operator,
/// for a day: a retry (a lost answer, a client that sent twice) gets the first request's answer
/// and acts no second time; a retry while the first is still running waits for its answer; the
/// same key with another request is refused (`422`). `IdempotencyKeys` keeps them in this
/// process's memory; a store every instance shares keeps them for all of them.
public protocol IdempotencyLedger: Sendable {
    /// The answer for `key` of `operatorName`: `act`'s, or the one an earlier request with the
    /// same key and `fingerprint` got (`replayed`).
    func answer(
        key: String, operatorName: String, fingerprint: String, _ act: @escaping @Sendable () async -> APIAnswer
    ) async -> (answer: APIAnswer, replayed: Bool)
}

extension IdempotencyLedger {
    /// A key as a client may send it: 1 to 255 printable ASCII characters.
    public static func isValid(_ key: String) -> Bool {
        (1...255).contains(key.utf8.count) && key.utf8.allSatisfy { (0x21...0x7E).contains($0) }
    }
}

extension APIAnswer {
    /// The answer to the same key sent with another request.
    public static let idempotencyKeyReused = APIAnswer(APIError(
        status: .unprocessableContent, code: "idempotency_key_reused",
        message: "this Idempotency-Key was sent with another request: use a new key for a new action"))
}

/// An `IdempotencyLedger` in this process's memory. At most `capacity` keys are kept, the oldest
/// let go first.
public actor IdempotencyKeys: IdempotencyLedger {
    private enum Entry {
        case running(fingerprint: String, waiters: [CheckedContinuation<APIAnswer, Never>])
        case done(fingerprint: String, answer: APIAnswer, at: Date)
    }

    private var entries: [String: Entry] = [:]
    private var order: [(key: String, at: Date)] = []
    private let capacity: Int
    private let lifetime: TimeInterval
    private let clock: @Sendable () -> Date

    public init(capacity: Int = 10_000, lifetime: TimeInterval = 86_400, clock: @escaping @Sendable () -> Date = Date.init) {
        self.capacity = max(1, capacity)
        self.lifetime = lifetime
        self.clock = clock
    }

    public func answer(
        key: String, operatorName: String, fingerprint: String, _ act: @escaping @Sendable () async -> APIAnswer
    ) async -> (answer: APIAnswer, replayed: Bool) {
        let scoped = operatorName + "\u{0}" + key
        forgetOld()
        switch entries[scoped] {
        case let .done(seen, answer, _)?:
            return seen == fingerprint ? (answer, true) : (.idempotencyKeyReused, false)
        case let .running(seen, _)?:
            guard seen == fingerprint else { return (.idempotencyKeyReused, false) }
            let answer = await withCheckedContinuation { continuation in
                switch entries[scoped] {
                case let .running(seen, waiters)?:
                    entries[scoped] = .running(fingerprint: seen, waiters: waiters + [continuation])
                case let .done(_, answer, _)?:
                    continuation.resume(returning: answer)
                case nil:
                    continuation.resume(returning: APIAnswer(APIError(status: .conflict, code: "retry", message: "the first request with this key ended without an answer kept: send it again")))
                }
            }
            return (answer, true)
        case nil:
            entries[scoped] = .running(fingerprint: fingerprint, waiters: [])
            order.append((scoped, clock()))
            let answer = await act()
            if case let .running(_, waiters)? = entries[scoped] {
                for waiter in waiters { waiter.resume(returning: answer) }
            }
            entries[scoped] = .done(fingerprint: fingerprint, answer: answer, at: clock())
            return (answer, false)
        }
    }

    /// Lets go of keys older than the lifetime, then of the oldest beyond the capacity (never of
    /// one still running).
    private func forgetOld() {
        let now = clock()
        while let first = order.first {
            let expired = now.timeIntervalSince(first.at) > lifetime
            guard expired || order.count > capacity else { break }
            if case .running? = entries[first.key] { break }
            order.removeFirst()
            entries[first.key] = nil
        }
    }
}
