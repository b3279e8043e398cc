import Logging
import NIOCore
import PostgresNIO

extension PostgresConnection {
    /// Runs `query` and collects its rows; fails at once on a closed connection.
    ///
    /// postgres-nio 1.33 never answers a query written to a connection whose channel already
    /// closed (the server terminated it, the network dropped it): `query` waits forever (its
    /// fix, vapor/postgres-nio#487, was reverted in #501). Here the check and the write happen
    /// together on the connection's event loop, where the channel cannot close in between; a
    /// query written to an open channel is always answered or failed by postgres-nio.
    /// Every query of this target goes through here; a `withConnection` body should too.
    /// - Throws: `PSQLError` (`PostgresConnections` turns it into `StoreUnavailable` or
    ///   `StoreQueryFailed`).
    @discardableResult
    public func queryRows(_ query: PostgresQuery, logger: Logger = PostgresMigrations.quietLogger) async throws -> [PostgresRow] {
        let loop = eventLoop
        let result: EventLoopFuture<PostgresQueryResult> = loop.flatSubmit {
            guard !self.isClosed else { return loop.makeFailedFuture(ConnectionClosed()) }
            return self.query(query, logger: logger)
        }
        return try await result.get().rows
    }

    /// The first row's columns decoded as `Value`, nil without a row.
    public func queryFirst<Value: PostgresDecodable & Sendable>(
        _ query: PostgresQuery, as type: Value.Type, logger: Logger = PostgresMigrations.quietLogger
    ) async throws -> Value? {
        guard let row = try await queryRows(query, logger: logger).first else { return nil }
        return try row.decode(Value.self)
    }
}

/// A query was asked of a connection that is already closed.
struct ConnectionClosed: Error, CustomStringConvertible {
    var description: String { "the connection is closed (the server or the network ended it)" }
}
