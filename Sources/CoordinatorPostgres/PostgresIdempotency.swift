import Coordinator
import CoordinatorService
import Foundation
import Logging
import PostgresNIO
import Synchronization

/// `Idempotency-Key` answers shared by every instance on one database (`coordinator_idempotency`),
/// so a retry sent to another instance behind the same address acts no second time either.
///
/// The first request with a key inserts its row in a transaction that stays open while it acts
/// and commits with the answer. The same key sent meanwhile, to this instance or another, waits
/// on that row (PostgreSQL's own row lock, at most `wait`) and then answers what the first did.
/// When the first instance dies mid-action its transaction rolls back with its connection, and
/// the waiting request acts in its place. A key is kept for `lifetime`.
///
/// A database that cannot answer before the action: nothing is done, `503` (send the same request
/// again). One that fails after it: the client gets the answer, but the key is not kept (logged),
/// so a retry acts again — as for any action without a key, the history makes a repeated dispatch
/// one build.
public final class PostgresIdempotency: IdempotencyLedger {
    let database: PostgresStore
    let lifetime: Duration
    let wait: Duration
    let logger: Logger
    private let inserted = Mutex(0)
    /// Expired keys are deleted once every this many new ones.
    static let sweepEvery = 200

    public init(database: PostgresStore, lifetime: Duration = .seconds(86_400), wait: Duration = .seconds(50), logger: Logger) {
        self.database = database
        self.lifetime = lifetime
        self.wait = wait
        self.logger = logger
    }

    public func answer(
        key: String, operatorName: String, fingerprint: String, _ act: @escaping @Sendable () async -> APIAnswer
    ) async -> (answer: APIAnswer, replayed: Bool) {
        let connection: PostgresConnection
        do {
            connection = try await database.connections.take()
        } catch {
            return (unavailable(error), false)
        }
        let logger = self.logger
        let lifetime = lifetime.inSeconds
        let waitMilliseconds = "\(max(1, wait.inMilliseconds))ms"
        let claimed: Bool
        do {
            try await connection.queryRows("BEGIN", logger: logger)
            try await connection.queryRows("SELECT set_config('lock_timeout', \(waitMilliseconds), true)", logger: logger)
            try await connection.queryRows(
                """
                DELETE FROM coordinator_idempotency WHERE operator = \(operatorName) AND key = \(key)
                AND created_at < now() - make_interval(secs => \(lifetime))
                """, logger: logger)
            claimed = try await !connection.queryRows(
                """
                INSERT INTO coordinator_idempotency (operator, key, fingerprint, status, body)
                VALUES (\(operatorName), \(key), \(fingerprint), 0, ''::bytea) ON CONFLICT (operator, key) DO NOTHING RETURNING 1
                """, logger: logger).isEmpty
        } catch {
            try? await connection.close()
            let failure = database.translate(error)
            if (failure as? StoreQueryFailed)?.sqlState == "55P03" { return (Self.stillRunning, false) }
            return (unavailable(failure), false)
        }
        guard claimed else { return await kept(key: key, operatorName: operatorName, fingerprint: fingerprint, on: connection) }

        let answer = await act()
        do {
            try await connection.queryRows(
                """
                UPDATE coordinator_idempotency SET status = \(answer.statusCode), body = \(answer.body), created_at = now()
                WHERE operator = \(operatorName) AND key = \(key)
                """, logger: logger)
            try await connection.queryRows("COMMIT", logger: logger)
            await database.connections.give(back: connection)
            await sweepNowAndThen()
        } catch {
            try? await connection.close()
            logger.warning(
                "the answer to Idempotency-Key \(key) of \(operatorName) could not be kept (a retry would act again): \(database.translate(error))")
        }
        return (answer, false)
    }

    /// The answer an earlier request with the key got, on `connection` (in the transaction whose
    /// insert found the key taken).
    private func kept(key: String, operatorName: String, fingerprint: String, on connection: PostgresConnection) async -> (answer: APIAnswer, replayed: Bool) {
        do {
            let row = try await connection.queryRows(
                "SELECT fingerprint, status, body FROM coordinator_idempotency WHERE operator = \(operatorName) AND key = \(key)",
                logger: logger
            ).first
            try await connection.queryRows("COMMIT", logger: logger)
            await database.connections.give(back: connection)
            guard let row else { return (Self.stillRunning, false) }
            let (seen, status, body) = try row.decode((String, Int32, Data).self)
            guard seen == fingerprint else { return (.idempotencyKeyReused, false) }
            return (APIAnswer(statusCode: Int(status), body: body), true)
        } catch {
            try? await connection.close()
            return (unavailable(database.translate(error)), false)
        }
    }

    /// Deletes expired keys once every `sweepEvery` new ones.
    private func sweepNowAndThen() async {
        guard inserted.withLock({ count in count += 1; return count % Self.sweepEvery == 0 }) else { return }
        let seconds = lifetime.inSeconds
        do {
            try await database.withConnection { connection in
                _ = try await connection.queryRows(
                    "DELETE FROM coordinator_idempotency WHERE created_at < now() - make_interval(secs => \(seconds))", logger: logger)
            }
        } catch {
            logger.warning("expired Idempotency-Keys could not be deleted (tried again later): \(error)")
        }
    }

    private func unavailable(_ error: any Error) -> APIAnswer {
        logger.warning("an Idempotency-Key could not be checked against the other instances (nothing done): \(error)")
        return APIAnswer(APIError(
            status: .serviceUnavailable, code: "store_unavailable",
            message: "the store cannot be reached, so nothing was done: send the same request again later"))
    }

    /// Answered when the first request with a key is still acting after `wait`, or its row went
    /// while this one waited.
    static let stillRunning = APIAnswer(APIError(
        status: .conflict, code: "retry",
        message: "the first request with this Idempotency-Key is still running: send it again later for its answer"))
}
