import Coordinator
import Logging
import NIOCore
import NIOPosix
import PostgresNIO

/// A small pool of postgres-nio connections to one server: `take()` lends an idle open one or
/// connects a new one, `give(back:)` keeps at most `maxIdle` for the next caller. No background
/// task runs (unlike `PostgresClient`, which needs `run()`): a connection the server dropped
/// while idle is noticed when it is lent (`isClosed`) or when its query fails, and replaced by
/// the next `take()`.
///
/// Every error leaving `take()` or `withConnection` is `StoreUnavailable` (cannot connect, lost
/// the connection), `StoreQueryFailed` (the server refused a statement), `CancellationError`, or
/// an error of the caller's own.
public actor PostgresConnections {
    public nonisolated let endpoint: PostgresEndpoint
    /// Idle connections kept at most; more given back are closed.
    public nonisolated let maxIdle: Int
    /// Bound on a connect, TCP and login together.
    public nonisolated let connectTimeout: Duration
    private let logger: Logger
    private var idle: [PostgresConnection] = []
    private var nextID = 1
    private var isShutDown = false
    /// Connections made so far, for tests and metrics.
    public private(set) var connectionsOpened = 0

    /// One event loop group for every connection of the process: NIO's shared singleton.
    static var eventLoopGroup: any EventLoopGroup { MultiThreadedEventLoopGroup.singleton }

    public init(
        endpoint: PostgresEndpoint, maxIdle: Int = 4, connectTimeout: Duration = .seconds(10),
        logger: Logger = Logger(label: "coordinator.postgres", factory: { _ in SwiftLogNoOpLogHandler() })
    ) {
        self.endpoint = endpoint
        self.maxIdle = max(0, maxIdle)
        self.connectTimeout = connectTimeout
        self.logger = logger
    }

    /// How many open connections wait to be lent.
    public var idleCount: Int { idle.count }

    /// An open connection: the most recently returned idle one, else a new one.
    /// - Throws: `StoreUnavailable` naming the server when it cannot be reached or refuses the
    ///   login, or once the pool is shut down.
    public func take() async throws -> PostgresConnection {
        guard !isShutDown else { throw shutDownError }
        while let connection = idle.popLast() {
            if !connection.isClosed { return connection }
            Self.closeQuietly(connection)
        }
        let configuration = try endpoint.configuration(connectTimeout: connectTimeout)
        let id = nextID
        nextID += 1
        let connection: PostgresConnection
        do {
            connection = try await PostgresConnection.connect(
                on: Self.eventLoopGroup.any(), configuration: configuration, id: id, logger: logger)
        } catch {
            throw PostgresFailure.translate(error, endpoint: endpoint, connecting: true)
        }
        // The pool may have shut down while this connect was under way.
        guard !isShutDown else {
            Self.closeQuietly(connection)
            throw shutDownError
        }
        connectionsOpened += 1
        return connection
    }

    /// Takes back a lent connection (every connection `take()` lends must come back here or be
    /// closed by its borrower): kept for the next `take()` if it is open and fewer than
    /// `maxIdle` wait, closed otherwise.
    public func give(back connection: PostgresConnection) {
        guard !connection.isClosed else { return }
        guard !isShutDown, idle.count < maxIdle, !idle.contains(where: { $0 === connection }) else {
            Self.closeQuietly(connection)
            return
        }
        idle.append(connection)
    }

    /// Lends a connection to `body` and takes it back. A connection whose work threw is closed
    /// rather than reused: it may be mid-transaction or broken. Errors are translated as the
    /// type's documentation says. `body` runs in the caller's isolation, not on this actor.
    @discardableResult
    public func withConnection<Result>(
        isolation: isolated (any Actor)? = #isolation,
        _ body: (PostgresConnection) async throws -> sending Result
    ) async throws -> sending Result {
        let connection = try await take()
        let result: Result
        do {
            result = try await body(connection)
        } catch {
            try? await connection.close()
            throw PostgresFailure.translate(error, endpoint: endpoint, connecting: false)
        }
        await give(back: connection)
        return result
    }

    /// Closes every idle connection; later `take()`s fail and connections given back are
    /// closed. Lent connections are their borrowers' to finish.
    public func shutdown() async {
        isShutDown = true
        let closing = idle
        idle.removeAll()
        for connection in closing {
            try? await connection.close()
        }
    }

    private var shutDownError: StoreUnavailable {
        StoreUnavailable(endpoint: endpoint.description, reason: "this process's connection pool is shut down")
    }

    /// Starts closing without waiting: a close never blocks the caller, and its failure (an
    /// already dropped connection) changes nothing. The callback keeps the connection alive until
    /// it is closed (postgres-nio asserts that none is released open).
    static func closeQuietly(_ connection: PostgresConnection) {
        let closed: EventLoopFuture<Void> = connection.close()
        closed.whenComplete { _ in withExtendedLifetime(connection) {} }
    }
}
