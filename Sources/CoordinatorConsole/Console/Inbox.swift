import Synchronization

/// Actions posted by background tasks, drained by the UI loop on every tick. A mutex-guarded
/// array: posting never blocks for long and never touches the UI thread's state.
public final class Inbox: Sendable {
    private let pending = Mutex<[ConsoleAction]>([])

    public init() {}

    public func post(_ action: ConsoleAction) {
        pending.withLock { $0.append(action) }
    }

    /// Everything posted since the last drain, in posting order.
    public func drain() -> [ConsoleAction] {
        pending.withLock { actions in
            defer { actions.removeAll(keepingCapacity: true) }
            return actions
        }
    }
}
