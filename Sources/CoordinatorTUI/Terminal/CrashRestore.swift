import CNcurses

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Gives the terminal back when the console dies of a signal no code of ours would otherwise see
/// (htop's `CRT_handleSIGSEGV`): the shell's terminal modes, the main screen, a visible cursor.
/// Then the signal is raised again with its default action, so the exit status stays honest
/// (134 for SIGABRT) and a core dump is still written where one is wanted.
///
/// The handler may run on any thread at any moment, even inside `malloc`: it only reads storage
/// allocated before it was installed, and calls `write`, `tcsetattr`, `signal` and `raise` — all
/// async-signal-safe. No Swift allocation, no lock, no curses.
///
/// While armed it replaces Swift's crash backtracer for these signals: the backtracer would print
/// onto the curses screen, and it leaves a process killed by SIGABRT running (seen with Swift
/// 6.3 on Linux). `disarm` puts the backtracer back.
enum CrashRestore {
    /// Crashes (SIGSEGV, SIGBUS, SIGILL, SIGFPE; Swift's traps are SIGILL on x86_64 and SIGTRAP on
    /// arm64), aborts (SIGABRT, also `fatalError` via the runtime), bad system calls (SIGSYS) and
    /// Ctrl-\ (SIGQUIT, which asks for a core dump).
    static let fatalSignals: [Int32] = [SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGABRT, SIGTRAP, SIGSYS, SIGQUIT]

    /// Saves the terminal's modes on `descriptor` as the shell left them. Call before curses
    /// changes anything (`initscr`, `cbreak`, `noecho`, `nonl`).
    static func saveModes(of descriptor: Int32) {
        let storage = RestoreStorage.shared
        guard isatty(descriptor) == 1 else {
            storage.descriptor = -1
            return
        }
        storage.hasModes = tcgetattr(descriptor, storage.modes) == 0
        storage.descriptor = descriptor
    }

    /// Installs the handlers, which write `sequence` (see `TerminalRestoreSequence`) and put the
    /// saved modes back. Call once curses owns the screen.
    static func arm(sequence: [UInt8]) {
        let storage = RestoreStorage.shared
        guard !storage.armed else { return }
        let count = min(sequence.count, RestoreStorage.sequenceCapacity)
        for index in 0..<count { storage.sequence[index] = sequence[index] }
        storage.sequenceCount = count
        for (index, number) in fatalSignals.enumerated() {
            _ = coordinator_install_fatal_signal_handler(number, restoreTerminalAndReraise, storage.previousActions + index)
        }
        storage.armed = true
    }

    /// Puts back the actions that were there before `arm` (Swift's backtracer), once curses has
    /// given the terminal back. Safe to call when not armed.
    static func disarm() {
        let storage = RestoreStorage.shared
        guard storage.armed else { return }
        for (index, number) in fatalSignals.enumerated() {
            _ = coordinator_restore_signal_action(number, storage.previousActions + index)
        }
        storage.armed = false
    }

    /// What the handler does before the signal is raised again.
    fileprivate static func restoreTerminal(_ storage: RestoreStorage) {
        let descriptor = storage.descriptor
        guard descriptor >= 0 else { return }
        var offset = 0
        var attempts = 0
        // Bounded: a terminal that accepts nothing must not keep a crashing process alive.
        while offset < storage.sequenceCount, attempts < 16 {
            attempts += 1
            let written = systemWrite(descriptor, storage.sequence + offset, storage.sequenceCount - offset)
            if written > 0 {
                offset += written
            } else if written < 0, errno != EINTR {
                break
            }
        }
        // TCSANOW, not TCSADRAIN: waiting for output to drain could hang on a stopped terminal.
        if storage.hasModes { _ = tcsetattr(descriptor, TCSANOW, storage.modes) }
    }
}

/// The handler: a plain function, since a C function pointer cannot carry context.
private func restoreTerminalAndReraise(_ number: Int32) {
    CrashRestore.restoreTerminal(RestoreStorage.shared)
    // SA_RESETHAND already did this; said again so the re-raise cannot come back here.
    _ = signal(number, SIG_DFL)
    _ = raise(number)
}

/// Everything the handler reads, allocated once and never freed, so the handler never allocates
/// nor finds it gone. Written only on the console's thread, before handlers are installed.
private final class RestoreStorage: @unchecked Sendable {
    static let sequenceCapacity = 512
    /// Created on the first `saveModes`, before any handler exists, so the handler never runs
    /// this lazy initialisation.
    static let shared = RestoreStorage()

    var descriptor: Int32 = -1
    var hasModes = false
    let modes = UnsafeMutablePointer<termios>.allocate(capacity: 1)
    let sequence = UnsafeMutablePointer<UInt8>.allocate(capacity: sequenceCapacity)
    var sequenceCount = 0
    let previousActions = UnsafeMutablePointer<sigaction>.allocate(capacity: CrashRestore.fatalSignals.count)
    var armed = false

    private init() {
        modes.initialize(to: termios())
        previousActions.initialize(repeating: sigaction(), count: CrashRestore.fatalSignals.count)
    }
}

private func systemWrite(_ descriptor: Int32, _ bytes: UnsafePointer<UInt8>, _ count: Int) -> Int {
    #if canImport(Glibc)
    Glibc.write(descriptor, bytes, count)
    #else
    Darwin.write(descriptor, bytes, count)
    #endif
}
