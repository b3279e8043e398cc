import Synchronization

/// Where the `X-GitHub-Delivery` ids already received are remembered: this process's memory
/// (`DeliveryMemory`), or a store every instance behind one webhook URL shares, so a delivery
/// GitHub sends twice (a retry, a redelivery, a load balancer's second try) is queued once.
public protocol DeliveryLedger: Sendable {
    /// `true` if `id` is new, and remembers it; `false` for a duplicate. Check and insert are
    /// one step. A ledger that cannot answer says `true`: the history's guard still makes a
    /// repeated delivery one dispatch.
    func remember(_ id: String) async -> Bool
}

extension DeliveryMemory: DeliveryLedger {}

/// The most recent `X-GitHub-Delivery` ids, so a delivery GitHub retries (or someone replays) is
/// answered without being queued twice.
///
/// Bounded: once `capacity` ids are held, remembering a new one forgets the oldest (first in,
/// first out), so memory stays flat however long the daemon runs. Safe to call from any task.
public final class DeliveryMemory: Sendable {
    /// GitHub retries within hours; at webhook rates that is far fewer than 10 000 deliveries.
    public static let defaultCapacity = 10_000

    public let capacity: Int
    private let state: Mutex<State>

    private struct State {
        var ids: Set<String> = []
        /// Ring buffer in arrival order; `next` is where the next id goes (the oldest once full).
        var order: [String] = []
        var next = 0
    }

    /// - Parameter capacity: how many ids to hold; at least 1.
    public init(capacity: Int = DeliveryMemory.defaultCapacity) {
        self.capacity = max(1, capacity)
        state = Mutex(State())
    }

    /// Remembers `id` and returns `true` if it was new; `false` if it is already remembered (a
    /// duplicate). Check and insert are one step, so two concurrent copies of a delivery cannot
    /// both be new.
    public func remember(_ id: String) -> Bool {
        state.withLock { state in
            guard state.ids.insert(id).inserted else { return false }
            if state.order.count < capacity {
                state.order.append(id)
            } else {
                state.ids.remove(state.order[state.next])
                state.order[state.next] = id
                state.next = (state.next + 1) % capacity
            }
            return true
        }
    }

    public func contains(_ id: String) -> Bool {
        state.withLock { $0.ids.contains(id) }
    }

    /// How many ids are remembered (at most `capacity`).
    public var count: Int {
        state.withLock { $0.ids.count }
    }
}
