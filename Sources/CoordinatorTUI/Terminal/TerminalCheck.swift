import Foundation

/// Whether the console may take the screen. `initscr` aborts the process without a usable
/// terminal (no terminal, `TERM` unset, `dumb`, or a name terminfo does not know), so this is
/// decided first, from plain facts, and tests call it directly.
public enum TerminalCheck {
    /// The message to print instead of opening the console, or nil when a terminal is there.
    ///
    /// It lists headless commands as whole command lines that work as printed, so a user (or a
    /// cron job) can paste one: `configPath` is the `--config` the console was given, repeated in
    /// each line (`$COORDINATOR_CONFIG` and the default path need nothing: the shell passes the
    /// one on, the other is the default again). `knowsTerminal` says whether terminfo describes a
    /// `TERM` (`Terminfo.knows` for this process; tests pass their own answer).
    public static func refusal(
        stdoutIsTerminal: Bool, environment: [String: String], configPath: String? = nil,
        knowsTerminal: (String) -> Bool = { _ in true }
    ) -> String? {
        let term = environment["TERM"] ?? ""
        let reason: String
        if !stdoutIsTerminal {
            reason = "standard output is not a terminal"
        } else if term.isEmpty {
            reason = "TERM is not set"
        } else if term == "dumb" {
            reason = "TERM is \"dumb\""
        } else if !knowsTerminal(term) {
            reason = "terminfo does not know TERM \"\(term)\"; set TERM to a terminal it knows, e.g. xterm-256color"
        } else {
            return nil
        }
        let config = configPath.map { " --config " + shellQuoted($0) } ?? ""
        let lines = headlessCommands.map { "coordinator \($0.arguments)\(config)" }
        let width = lines.map(\.count).max() ?? 0
        let listing = zip(lines, headlessCommands).map { line, command in
            "  \(line.padding(toLength: width, withPad: " ", startingAt: 0))  # \(command.purpose)"
        }
        return (["coordinator: the console needs a terminal (\(reason)).", "Without one, use the headless commands:"] + listing)
            .joined(separator: "\n")
    }

    /// What the refusal offers: each works without a terminal and without further arguments.
    static let headlessCommands: [(arguments: String, purpose: String)] = [
        ("status", "what is cached and eligible, and how the busy issues' builds went"),
        ("diff", "the cache compared with live GitHub"),
        ("stuck", "issues left with a busy label (exit 3 when there are some)"),
        ("run --all --dry-run", "what a run would dispatch; changes nothing"),
        ("run --all", "dispatch the eligible issues"),
    ]

    /// `text` as one shell word: as it is when that is safe, else in single quotes.
    static func shellQuoted(_ text: String) -> String {
        let safe = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789@%+=:,./-_")
        if !text.isEmpty && text.allSatisfy(safe.contains) { return text }
        return "'" + text.replacingOccurrences(of: "'", with: #"'\''"#) + "'"
    }

    /// The refusal for this process, if any.
    public static func refusalForCurrentProcess(configPath: String? = nil) -> String? {
        refusal(
            stdoutIsTerminal: isatty(STDOUT_FILENO) == 1, environment: ProcessInfo.processInfo.environment, configPath: configPath,
            knowsTerminal: Terminfo.knows)
    }

    /// `NO_COLOR` set to anything non-empty turns colour off (https://no-color.org).
    public static func colorDisabledByEnvironment(_ environment: [String: String] = ProcessInfo.processInfo.environment) -> Bool {
        !(environment["NO_COLOR"] ?? "").isEmpty
    }
}
