import Foundation

/// Why the console closed.
public enum ConsoleExit: Sendable, Equatable {
    case quit
    case signal(Int32)
}

/// The UI loop, run on its own thread (never the cooperative pool): read keys with a short
/// timeout, drain the inbox, tick the clock, reduce, hand effects to the runner, render, paint.
final class ConsoleLoop {
    /// Input timeout: the spinner's frame rate and the longest an inbox result waits to be shown.
    static let tickMilliseconds: Int32 = 100

    private var state: ConsoleState
    private let runner: EffectRunner
    private let inbox: Inbox
    private let signals: CaughtSignal
    private let color: Bool
    private let mouse: Bool
    private let keyMap = KeyMap.standard

    init(state: ConsoleState, runner: EffectRunner, inbox: Inbox, signals: CaughtSignal, color: Bool, mouse: Bool = true) {
        self.mouse = mouse
        self.state = state
        self.runner = runner
        self.inbox = inbox
        self.signals = signals
        self.color = color
    }

    /// Owns the terminal from start to end; it is restored however the loop ends.
    func run() -> ConsoleExit {
        let screen = CursesScreen(color: color, mouse: mouse, inputTimeoutMilliseconds: Self.tickMilliseconds)
        screen.hyperlinks = HyperlinkOverlay.enabled(color: screen.hasColor, environment: ProcessInfo.processInfo.environment)
        defer { screen.end() }
        let options = RenderOptions(unicode: screen.unicode)
        var exit: ConsoleExit?
        func apply(_ action: ConsoleAction) {
            for effect in reduce(&state, action, keyMap: keyMap) {
                switch effect {
                case .quit: exit = .quit
                case .redraw: screen.invalidate()
                default: runner.run(effect)
                }
            }
        }
        apply(.resized(screen.size))
        apply(.tick(Date()))
        apply(.started)
        while exit == nil {
            screen.paint(render(state, size: screen.size, options: options))
            // Block for at most one tick; then take whatever else is already queued (held keys,
            // pastes) before painting again.
            screen.setInputTimeout(Self.tickMilliseconds)
            var event = screen.nextEvent()
            screen.setInputTimeout(0)
            while let current = event, exit == nil {
                switch current {
                case let .key(key): apply(.keyPressed(key))
                case let .mouse(event): apply(.mouse(event))
                case .resized: apply(.resized(screen.size))
                }
                event = screen.nextEvent()
            }
            if let number = signals.number {
                exit = .signal(number)
                break
            }
            for action in inbox.drain() { apply(action) }
            let size = screen.size
            if size != state.size { apply(.resized(size)) }
            apply(.tick(Date()))
        }
        return exit ?? .quit
    }
}
