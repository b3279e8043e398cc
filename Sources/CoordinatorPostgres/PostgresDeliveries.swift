import Coordinator
import CoordinatorService
import Foundation
import Logging
import PostgresNIO
import Synchronization

/// Webhook delivery ids shared by every instance on one database (`coordinator_deliveries`): the
/// first instance to insert an id takes the delivery, the others answer "duplicate". Ids older
/// than `lifetime` are deleted now and then (GitHub redelivers within days, not weeks). This
/// process's own recent ids are checked first, in memory, without a statement.
///
/// A database that cannot answer lets the delivery through (logged): the repository's lock and
/// the history still make a repeated delivery one dispatch.
public final class PostgresDeliveries: DeliveryLedger {
    let database: PostgresStore
    let local = DeliveryMemory()
    let lifetime: Duration
    let logger: Logger
    private let inserted = Mutex(0)
    /// Old ids are deleted once every this many new ones.
    static let sweepEvery = 500

    public init(database: PostgresStore, lifetime: Duration = .seconds(7 * 86_400), logger: Logger) {
        self.database = database
        self.lifetime = lifetime
        self.logger = logger
    }

    public func remember(_ id: String) async -> Bool {
        guard local.remember(id) else { return false }
        let logger = self.logger
        let seconds = lifetime.inSeconds
        do {
            let new = try await database.withConnection { connection in
                let rows = try await connection.queryRows(
                    "INSERT INTO coordinator_deliveries (delivery_id) VALUES (\(id)) ON CONFLICT (delivery_id) DO NOTHING RETURNING 1",
                    logger: logger)
                let new = !rows.isEmpty
                if new, self.inserted.withLock({ count in count += 1; return count % Self.sweepEvery == 0 }) {
                    try await connection.queryRows(
                        "DELETE FROM coordinator_deliveries WHERE seen_at < now() - make_interval(secs => \(seconds))", logger: logger)
                }
                return new
            }
            return new
        } catch {
            logger.warning("delivery \(id) could not be checked against the other instances (taken as new): \(error)")
            return true
        }
    }
}
