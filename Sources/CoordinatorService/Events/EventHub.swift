import Coordinator
import Foundation
import Synchronization

/// One event for attached consoles and scripts: what changed in `serve`, in the order it
/// happened. `data` is one line of JSON.
public struct OperatorEvent: Sendable, Equatable {
    public enum Kind: String, Sendable, Equatable {
        /// A cache entry changed (labels, state, title).
        case issue
        /// A dispatch's outcome.
        case dispatch
        /// A build changed state.
        case build
        /// A poll of a repository ended.
        case poll
        /// What the client missed is no longer kept (or `serve` restarted): read everything again.
        case reload
        /// Not an event: a comment line on a quiet stream (`EventStream.heartbeat`), never kept.
        case keepalive
    }

    /// The comment line a quiet stream carries.
    static let keepalive = OperatorEvent(id: "", kind: .keepalive, data: "")

    /// `EPOCH-N`: the epoch names this `serve` process, so an id from before a restart is told
    /// from one of this run.
    public let id: String
    public let kind: Kind
    public let data: String
    /// The event as Server-Sent Events put it on the wire: `id`, `event`, one `data` line per
    /// line of `data` (CRs dropped), a blank line. Made once, not once per attached client.
    public let wireText: String

    public init(id: String, kind: Kind, data: String) {
        self.id = id
        self.kind = kind
        self.data = data
        wireText = Self.wireText(id: id, kind: kind, data: data)
    }

    private static func wireText(id: String, kind: Kind, data: String) -> String {
        if kind == .keepalive { return ": keepalive\n\n" }
        var text = "id: \(id)\nevent: \(kind.rawValue)\ndata: "
        // By unicode scalars: as Characters, "\r\n" is one and a split on "\n" misses it.
        if data.utf8.contains(where: { $0 == UInt8(ascii: "\n") || $0 == UInt8(ascii: "\r") }) {
            for scalar in data.unicodeScalars {
                switch scalar {
                case "\n": text += "\ndata: "
                case "\r": break
                default: text.unicodeScalars.append(scalar)
                }
            }
        } else {
            text += data
        }
        return text + "\n\n"
    }
}

/// The events of one `serve` process: a bounded buffer of the newest ones, for a client that
/// reconnects with `Last-Event-ID`, and a stream per attached client. A client too slow to take
/// its events, or one asking for events older than the buffer, is told to reload instead of
/// being sent a history with a hole in it. Publishing is synchronous, so events keep the order in
/// which the engine reported them.
public final class EventHub: Sendable {
    public let epoch: String
    /// Where this instance's events go to the other instances of a shared store (nil: none).
    public let relay: (any EventRelay)?
    private let capacity: Int
    private let clientBuffer: Int

    private struct State {
        var buffer: [(sequence: UInt64, event: OperatorEvent)] = []
        var nextSequence: UInt64 = 1
        var clients: [UUID: AsyncStream<OperatorEvent>.Continuation] = [:]
    }

    private let state = Mutex(State())

    /// - Parameters:
    ///   - capacity: events kept for clients that reconnect.
    ///   - clientBuffer: events one client may have waiting, beyond the `capacity` a replay may
    ///     fill, before it is dropped (it reconnects and resumes from the buffer, or reloads).
    ///   - epoch: names this run in the ids; random, so two runs never share one.
    ///   - relay: where events also go to the other instances of a shared store.
    public init(
        epoch: String = String(UInt64.random(in: 1...UInt64(UInt32.max)), radix: 36), capacity: Int = 1024, clientBuffer: Int = 256,
        relay: (any EventRelay)? = nil
    ) {
        self.epoch = epoch
        self.relay = relay
        self.capacity = max(1, capacity)
        self.clientBuffer = max(1, clientBuffer)
    }

    /// Clients attached now.
    public var clientCount: Int { state.withLock { $0.clients.count } }

    /// Records an event and hands it to every attached client; unless it came from another
    /// instance (`relayed`), the relay sends it to the others too.
    @discardableResult
    public func publish(_ kind: OperatorEvent.Kind, data: String, relayed: Bool = false) -> OperatorEvent {
        if !relayed { relay?.send(kind, data: data) }
        let (event, dropped) = state.withLock { state -> (OperatorEvent, [AsyncStream<OperatorEvent>.Continuation]) in
            let sequence = state.nextSequence
            state.nextSequence += 1
            let event = OperatorEvent(id: "\(epoch)-\(sequence)", kind: kind, data: data)
            state.buffer.append((sequence, event))
            if state.buffer.count > capacity { state.buffer.removeFirst(state.buffer.count - capacity) }
            var dropped: [AsyncStream<OperatorEvent>.Continuation] = []
            for (id, client) in state.clients {
                if case .dropped = client.yield(event) {
                    // Its buffer is full: it reconnects with the last id it saw.
                    dropped.append(client)
                    state.clients[id] = nil
                }
            }
            return (event, dropped)
        }
        // Outside the lock: finishing runs the stream's termination handler, which detaches.
        for client in dropped { client.finish() }
        return event
    }

    /// Attaches a client. `lastEventID` is the `Last-Event-ID` it sent when reconnecting: the
    /// events after it come first, or one `reload` when they are no longer all kept (or the id is
    /// of another run, or not one of ours). The stream ends when `detach` is called with `id`, or
    /// when the client falls behind.
    public func attach(lastEventID: String?) -> (id: UUID, stream: AsyncStream<OperatorEvent>) {
        let id = UUID()
        let (stream, continuation) = AsyncStream<OperatorEvent>.makeStream(bufferingPolicy: .bufferingOldest(clientBuffer + capacity))
        state.withLock { state in
            for event in Self.replay(after: lastEventID, in: state, epoch: epoch) { continuation.yield(event) }
            state.clients[id] = continuation
        }
        continuation.onTermination = { [weak self] _ in self?.detach(id) }
        return (id, stream)
    }

    /// Puts a keepalive into client `id`'s stream, behind its waiting events (and counting
    /// towards them, so a client that takes nothing is still dropped).
    func keepAlive(_ id: UUID) {
        _ = state.withLock { $0.clients[id] }?.yield(.keepalive)
    }

    public func detach(_ id: UUID) {
        state.withLock { $0.clients.removeValue(forKey: id) }?.finish()
    }

    /// What a client that saw `lastEventID` missed.
    func replay(after lastEventID: String?) -> [OperatorEvent] {
        state.withLock { Self.replay(after: lastEventID, in: $0, epoch: epoch) }
    }

    private static func replay(after lastEventID: String?, in state: State, epoch: String) -> [OperatorEvent] {
        guard let lastEventID, !lastEventID.isEmpty else { return [] }
        func reload(_ reason: String) -> [OperatorEvent] {
            // The newest id, so the client resumes from there once it has read everything again.
            let data = (try? JSONText.line(["reason": reason])) ?? "{}"
            return [OperatorEvent(id: "\(epoch)-\(state.nextSequence - 1)", kind: .reload, data: data)]
        }
        let parts = lastEventID.split(separator: "-", maxSplits: 1)
        guard parts.count == 2, parts[0] == epoch, parts[1].utf8.count <= 20, let seen = UInt64(parts[1]) else {
            return reload("serve restarted, or the event id is not one of this run")
        }
        guard seen < state.nextSequence else { return reload("the event id is ahead of this run") }
        let oldestKept = state.buffer.first?.sequence ?? state.nextSequence
        guard seen + 1 >= oldestKept else { return reload("the events since are no longer kept") }
        return state.buffer.filter { $0.sequence > seen }.map(\.event)
    }
}
