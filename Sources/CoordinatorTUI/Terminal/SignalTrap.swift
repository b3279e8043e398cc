import Dispatch
import Foundation
import Synchronization

/// The signal that asked the console to close, set from a dispatch queue, read by the UI loop.
final class CaughtSignal: Sendable {
    private let value = Mutex<Int32?>(nil)

    func record(_ number: Int32) {
        value.withLock { $0 = $0 ?? number }
    }

    var number: Int32? { value.withLock { $0 } }
}

/// Turns SIGINT, SIGTERM and SIGHUP into a flag the UI loop checks, so those signals end the
/// console through the same path as `q`: the terminal is restored, the workspace shuts down in
/// order, and the exit status is 128 + the signal. When a hang-up means the terminal is really
/// gone, curses' last writes fail harmlessly. Crashes are `CrashRestore`'s.
final class SignalTrap {
    let caught = CaughtSignal()
    private var sources: [any DispatchSourceSignal] = []
    private let numbers: [Int32]

    init(signals: [Int32] = [SIGINT, SIGTERM, SIGHUP]) {
        numbers = signals
        for number in signals {
            // The default action would kill the process with curses still owning the screen.
            Foundation.signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler { [caught] in caught.record(number) }
            source.resume()
            sources.append(source)
        }
    }

    /// Puts the default actions back once the terminal is restored.
    func release() {
        for source in sources { source.cancel() }
        sources.removeAll()
        for number in numbers { Foundation.signal(number, SIG_DFL) }
    }
}
