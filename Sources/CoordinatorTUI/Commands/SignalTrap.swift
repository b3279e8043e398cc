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

/// The one place the executable turns termination signals into something it handles, so that a
/// long-running command stops cleanly instead of dying mid-write.
///
/// The console polls `caught` from its UI loop, so SIGINT, SIGTERM and SIGHUP end it through the
/// same path as `q`: the terminal is restored, the workspace shuts down in order, and the exit
/// status is 128 + the signal (when a hang-up means the terminal is really gone, curses' last
/// writes fail harmlessly; crashes are `CrashRestore`'s). A server awaits `next()`.
final class SignalTrap {
    let caught = CaughtSignal()
    private var sources: [any DispatchSourceSignal] = []
    private let numbers: [Int32]
    private let arrivals: AsyncStream<Int32>

    init(signals: [Int32] = [SIGINT, SIGTERM, SIGHUP]) {
        numbers = signals
        let (arrivals, continuation) = AsyncStream<Int32>.makeStream()
        self.arrivals = arrivals
        for number in signals {
            // The default action would kill the process (with curses still owning the screen, or
            // a server mid-request).
            Foundation.signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler { [caught] in
                caught.record(number)
                continuation.yield(number)
            }
            source.resume()
            sources.append(source)
        }
    }

    /// Waits for the next trapped signal and returns its number.
    func next() async -> Int32? {
        for await number in arrivals { return number }
        return nil
    }

    /// Puts the default actions back once the process is in order again.
    func release() {
        for source in sources { source.cancel() }
        sources.removeAll()
        for number in numbers { Foundation.signal(number, SIG_DFL) }
    }
}
