import CNcurses

/// The terminfo database, asked before curses takes the screen: `initscr` on a `TERM` it does not
/// know prints its own message ("Error opening terminal") and exits the process, past our refusal
/// and its exit code.
enum Terminfo {
    /// Whether terminfo describes `name`: false for a name it does not know and when there is no
    /// terminfo database at all. (`dumb` is known to terminfo; `TerminalCheck` refuses it by name.)
    static func knows(_ name: String) -> Bool {
        name.withCString { coordinator_terminfo_status($0) } == 1
    }
}
