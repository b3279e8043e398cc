import Foundation

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
    }

    /// `EPOCH-N`: the epoch names this `serve` process, so an id from before a restart is told
    /// from one of this run.
    public var id: String
    public var kind: Kind
    public var data: String

    /// The event as Server-Sent Events put it on the wire: `id`, `event`, one `data` line per
    /// line of `data`, a blank line.
    public var wireText: String {
        var text = "id: \(id)\nevent: \(kind.rawValue)\n"
        for line in data.split(separator: "\n", omittingEmptySubsequences: false) {
            text += "data: \(line.replacingOccurrences(of: "\r", with: ""))\n"
        }
        return text + "\n"
    }
}

/// The events of one `serve` process: a bounded buffer of the newest ones, for a client that
/// reconnects with `Last-Event-ID`, and a stream per attached client. A client too slow to take
/// its events, or one asking for events older than the buffer, is told to reload instead of
/// being sent a history with a hole in it.
public actor EventHub {
    public let epoch: String
    private let capacity: Int
    private let clientBuffer: Int
    private var buffer: [(sequence: UInt64, event: OperatorEvent)] = []
    private var nextSequence: UInt64 = 1
    private var clients: [UUID: AsyncStream<OperatorEvent>.Continuation] = [:]

    /// - Parameters:
    ///   - capacity: events kept for clients that reconnect.
    ///   - clientBuffer: events one client may have waiting before it is dropped (it reconnects
    ///     and resumes from the buffer, or reloads).
    public init(epoch: String = String(UInt64(Date().timeIntervalSince1970 * 1000), radix: 36), capacity: Int = 1024, clientBuffer: Int = 256) {
        self.epoch = epoch
        self.capacity = max(1, capacity)
        self.clientBuffer = max(1, clientBuffer)
    }

    /// Clients attached now.
    public var clientCount: Int { clients.count }

    /// Records an event and hands it to every attached client.
    @discardableResult
    public func publish(_ kind: OperatorEvent.Kind, data: String) -> OperatorEvent {
        let sequence = nextSequence
        nextSequence += 1
        let event = OperatorEvent(id: "\(epoch)-\(sequence)", kind: kind, data: data)
        buffer.append((sequence, event))
        if buffer.count > capacity { buffer.removeFirst(buffer.count - capacity) }
        for (id, client) in clients {
            if case .dropped = client.yield(event) {
                // Its buffer is full: end its stream; it reconnects with the last id it saw.
                client.finish()
                clients[id] = nil
            }
        }
        return event
    }

    /// Attaches a client. `lastEventID` is the `Last-Event-ID` it sent when reconnecting: the
    /// events after it come first, or one `reload` when they are no longer all kept (or the id is
    /// of another run or not one of ours). The stream ends when `detach` is called with `id`, or
    /// when the client falls behind.
    public func attach(lastEventID: String?) -> (id: UUID, stream: AsyncStream<OperatorEvent>) {
        let id = UUID()
        let (stream, continuation) = AsyncStream<OperatorEvent>.makeStream(bufferingPolicy: .bufferingOldest(clientBuffer + capacity))
        for event in replay(after: lastEventID) { continuation.yield(event) }
        clients[id] = continuation
        continuation.onTermination = { [weak self] _ in
            guard let self else { return }
            Task { await self.detach(id) }
        }
        return (id, stream)
    }

    public func detach(_ id: UUID) {
        clients.removeValue(forKey: id)?.finish()
    }

    /// Ends every client's stream (at shutdown).
    public func finishAll() {
        for client in clients.values { client.finish() }
        clients = [:]
    }

    /// What a client that saw `lastEventID` missed.
    func replay(after lastEventID: String?) -> [OperatorEvent] {
        guard let lastEventID, !lastEventID.isEmpty else { return [] }
        let parts = lastEventID.split(separator: "-", maxSplits: 1)
        guard parts.count == 2, parts[0] == epoch, parts[1].utf8.count <= 20, let seen = UInt64(parts[1]) else {
            return [reload("serve restarted, or the event id is not one of this run")]
        }
        guard seen < nextSequence else { return [reload("the event id is ahead of this run")] }
        let oldestKept = buffer.first?.sequence ?? nextSequence
        guard seen + 1 >= oldestKept else { return [reload("the events since are no longer kept")] }
        return buffer.filter { $0.sequence > seen }.map(\.event)
    }

    /// A `reload` event carrying the newest id, so the client resumes from there once it has
    /// read everything again.
    private func reload(_ reason: String) -> OperatorEvent {
        let data = (try? JSONEncoder().encode(["reason": reason])).map { String(decoding: $0, as: UTF8.self) } ?? "{}"
        return OperatorEvent(id: "\(epoch)-\(nextSequence - 1)", kind: .reload, data: data)
    }
}
