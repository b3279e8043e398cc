import Foundation

/// Whether the console may take the screen. `initscr` aborts the process without a usable
/// terminal, so this is decided first, from plain facts, and tests call it directly.
public enum TerminalCheck {
    /// The message to print instead of opening the console, or nil when a terminal is there.
    public static func refusal(stdoutIsTerminal: Bool, environment: [String: String]) -> String? {
        let term = environment["TERM"] ?? ""
        let reason: String
        if !stdoutIsTerminal {
            reason = "standard output is not a terminal"
        } else if term.isEmpty {
            reason = "TERM is not set"
        } else if term == "dumb" {
            reason = "TERM is \"dumb\""
        } else {
            return nil
        }
        return """
            coordinator: the console needs a terminal (\(reason)).
            Without one, use the headless commands:
              coordinator status --all    what is cached and eligible
              coordinator diff --all      the cache compared with live GitHub
              coordinator run --all       dispatch the eligible issues
            """
    }

    /// The refusal for this process, if any.
    public static func refusalForCurrentProcess() -> String? {
        refusal(stdoutIsTerminal: isatty(STDOUT_FILENO) == 1, environment: ProcessInfo.processInfo.environment)
    }

    /// `NO_COLOR` set to anything non-empty turns colour off (https://no-color.org).
    public static func colorDisabledByEnvironment(_ environment: [String: String] = ProcessInfo.processInfo.environment) -> Bool {
        !(environment["NO_COLOR"] ?? "").isEmpty
    }
}
