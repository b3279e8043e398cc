import Logging
import Synchronization

/// The process-wide logging bootstrap, which swift-log allows once: headless commands log to
/// stderr, the console to its log file. Whichever asks first wins; later calls do nothing.
enum ProcessLogging {
    private static let bootstrapped = Mutex(false)

    static func bootstrapOnce(_ factory: @escaping @Sendable (String) -> any LogHandler) {
        let first = bootstrapped.withLock { done in
            defer { done = true }
            return !done
        }
        if first { LoggingSystem.bootstrap(factory) }
    }
}
