import CNcurses

/// The bytes that undo what curses did to the terminal's display, for a crash handler to write
/// without calling into curses: plain attributes, keypad transmit off, cursor shown, alternate
/// screen left — the capabilities `endwin` sends, in its order.
enum TerminalRestoreSequence {
    /// terminfo names: sgr0 (plain attributes), rmkx (keypad transmit off), cnorm (normal cursor),
    /// rmcup (leave the alternate screen, back to the shell's screen and cursor).
    static let capabilities = ["sgr0", "rmkx", "cnorm", "rmcup"]

    /// The capabilities' strings joined, without terminfo padding (`$<5>`, `$<2*/>`: delays for
    /// slow terminals that `tputs` would turn into waits). A missing capability is skipped: the
    /// terminal has nothing to undo there.
    static func bytes(_ values: [String?]) -> [UInt8] {
        values.compactMap { $0 }.flatMap { withoutPadding(Array($0.utf8)) }
    }

    /// This terminal's sequence from terminfo. Call after `initscr`, which loaded its entry.
    /// Ends xterm's mouse reporting (the modes curses turns on for a terminal with `kmous`: button
    /// events, drag, any motion, SGR encoding). After a crash that left them on, every click in
    /// the shell would arrive as an escape sequence. A terminal without them ignores them.
    static let mouseReportingOff = Array("\u{1B}[?1000l\u{1B}[?1002l\u{1B}[?1003l\u{1B}[?1006l".utf8)

    static func fromTerminfo() -> [UInt8] {
        bytes(capabilities.map(capability))
    }

    private static func capability(_ name: String) -> String? {
        guard let value = tigetstr(name) else { return nil }
        // (char *)-1: the name is not a string capability.
        if Int(bitPattern: value) == -1 { return nil }
        return String(cString: value)
    }

    private static func withoutPadding(_ bytes: [UInt8]) -> [UInt8] {
        var out: [UInt8] = []
        var index = 0
        while index < bytes.count {
            if bytes[index] == UInt8(ascii: "$"), index + 1 < bytes.count, bytes[index + 1] == UInt8(ascii: "<"),
                let close = bytes[(index + 2)...].firstIndex(of: UInt8(ascii: ">")),
                bytes[(index + 2)..<close].allSatisfy(isPaddingCharacter)
            {
                index = close + 1
                continue
            }
            out.append(bytes[index])
            index += 1
        }
        return out
    }

    private static func isPaddingCharacter(_ byte: UInt8) -> Bool {
        (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) || byte == UInt8(ascii: ".") || byte == UInt8(ascii: "*")
            || byte == UInt8(ascii: "/")
    }
}
