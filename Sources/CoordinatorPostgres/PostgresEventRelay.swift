import Coordinator
import CoordinatorService
import Foundation
import Logging
import PostgresNIO
import Synchronization

/// Operator events between the `serve` instances of one database, over `LISTEN/NOTIFY` on the
/// channel `coordinator_events`: each instance sends its events (`INSTANCE KIND DATA`) and hands
/// the others' to its own consoles. One connection listens and one sends, both taken from the pool and never given back;
/// either is made again (1 s, doubling to 15 s) when lost, and after the listener was down the
/// consoles are told to reload, as they may have missed events.
///
/// A NOTIFY payload holds at most 8 000 bytes: a larger event is sent as `reload` for the
/// others' consoles (they read everything again instead of missing it).
public final class PostgresEventRelay: EventRelay {
    public static let channel = "coordinator_events"
    static let payloadLimit = 7_900

    let database: PostgresStore
    let instance = UUID().uuidString.lowercased()
    let logger: Logger
    private let outbox: AsyncStream<String>.Continuation
    private let pending: AsyncStream<String>

    public init(database: PostgresStore, logger: Logger) {
        self.database = database
        self.logger = logger
        (pending, outbox) = AsyncStream.makeStream(of: String.self, bufferingPolicy: .bufferingNewest(4_096))
    }

    public func send(_ kind: OperatorEvent.Kind, data: String) {
        guard kind != .keepalive, kind != .reload else { return }
        var payload = "\(instance) \(kind.rawValue) \(data)"
        if payload.utf8.count > Self.payloadLimit { payload = "\(instance) \(OperatorEvent.Kind.reload.rawValue) " }
        outbox.yield(payload)
    }

    /// The instance, kind and data of a payload; nil for one that is not an event.
    static func parse(_ payload: String) -> (instance: Substring, kind: OperatorEvent.Kind, data: String)? {
        let parts = payload.split(separator: " ", maxSplits: 2, omittingEmptySubsequences: false)
        guard parts.count == 3, let kind = OperatorEvent.Kind(rawValue: String(parts[1])), kind != .keepalive else { return nil }
        return (parts[0], kind, String(parts[2]))
    }

    public func run(_ receive: @escaping @Sendable (OperatorEvent.Kind, String) -> Void) async {
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await self.listen(receive) }
            group.addTask { await self.deliver() }
            await group.waitForAll()
        }
    }

    /// Sends what `send` queued, one NOTIFY each, on a connection of its own.
    private func deliver() async {
        var connection: PostgresConnection?
        var backoff = Backoff()
        for await payload in pending {
            while !Task.isCancelled {
                do {
                    let open: PostgresConnection
                    if let current = connection, !current.isClosed {
                        open = current
                    } else {
                        open = try await database.connections.take()
                    }
                    connection = open
                    try await open.queryRows("SELECT pg_notify(\(Self.channel), \(payload))", logger: logger)
                    backoff.reset()
                    break
                } catch {
                    if let connection { PostgresConnections.closeQuietly(connection) }
                    connection = nil
                    logger.warning("events not sent to the other instances (trying again): \(database.translate(error))")
                    guard (try? await Task.sleep(for: backoff.next())) != nil else { break }
                }
            }
            if Task.isCancelled { break }
        }
        if let connection { PostgresConnections.closeQuietly(connection) }
    }

    /// Listens, hands the other instances' events on, and listens again when the connection is
    /// lost (a closed connection is noticed within a second: postgres-nio does not always end the
    /// sequence).
    private func listen(_ receive: @escaping @Sendable (OperatorEvent.Kind, String) -> Void) async {
        var backoff = Backoff()
        var wasDown = false
        while !Task.isCancelled {
            let connection: PostgresConnection
            do {
                connection = try await database.connections.take()
            } catch {
                wasDown = true
                logger.warning("events of the other instances not heard (trying again): \(error)")
                guard (try? await Task.sleep(for: backoff.next())) != nil else { return }
                continue
            }
            let missedSome = wasDown
            do {
                try await withThrowingTaskGroup(of: Void.self) { group in
                    group.addTask {
                        try await connection.listen(on: Self.channel) { notifications in
                            if missedSome { receive(.reload, "") }
                            for try await notification in notifications {
                                guard let event = Self.parse(notification.payload), event.instance != self.instance else { continue }
                                receive(event.kind, event.data)
                            }
                        }
                    }
                    group.addTask {
                        while !connection.isClosed { try await Task.sleep(for: .seconds(1)) }
                        throw StoreUnavailable(endpoint: self.database.connections.endpoint.description, reason: "the listening connection closed")
                    }
                    try await group.next()
                    group.cancelAll()
                }
            } catch {
                if !Task.isCancelled { logger.warning("events of the other instances not heard (listening again): \(database.translate(error))") }
            }
            PostgresConnections.closeQuietly(connection)
            wasDown = true
            backoff.reset()
            guard (try? await Task.sleep(for: backoff.next())) != nil else { return }
        }
    }

    /// 1 s, doubling to 15 s.
    struct Backoff {
        private var seconds = 1

        mutating func next() -> Duration {
            defer { seconds = min(15, seconds * 2) }
            return .seconds(seconds)
        }

        mutating func reset() { seconds = 1 }
    }
}
