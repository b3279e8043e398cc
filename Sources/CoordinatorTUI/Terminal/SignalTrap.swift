import Dispatch
import Foundation
import Synchronization

/// Turns SIGINT and SIGTERM into a flag the UI loop checks, so those signals end the console
/// through the same path as `q` and the terminal is always restored.
final class SignalTrap: Sendable {
    private let caught = Atomic<Int32>(0)
    private let sources: Mutex<[any DispatchSourceSignal]>

    init(signals: [Int32] = [SIGINT, SIGTERM]) {
        sources = Mutex([])
        for number in signals {
            // The default action would kill the process with curses still owning the screen.
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler { [caught] in caught.store(number, ordering: .sequentiallyConsistent) }
            source.resume()
            sources.withLock { $0.append(source) }
        }
    }

    /// The signal that arrived, if any.
    var signal: Int32? {
        let value = caught.load(ordering: .sequentiallyConsistent)
        return value == 0 ? nil : value
    }

    /// Puts the default actions back once the terminal is restored.
    func release() {
        sources.withLock { list in
            for source in list { source.cancel() }
            list.removeAll()
        }
        Foundation.signal(SIGINT, SIG_DFL)
        Foundation.signal(SIGTERM, SIG_DFL)
    }
}
