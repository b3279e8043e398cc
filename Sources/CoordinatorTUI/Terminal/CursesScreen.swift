import CNcurses
import Foundation

/// What the terminal reported: a key, a mouse event, or a new size.
enum TerminalEvent: Equatable {
    case key(Key)
    case mouse(MouseEvent)
    case resized
}

/// The curses screen: the only type that talks to ncurses. Confined to the console's own thread
/// (curses is not thread-safe), created and ended there.
final class CursesScreen {
    private let window: UnsafeMutablePointer<WINDOW>
    private(set) var hasColor: Bool
    /// Whether the locale is UTF-8, i.e. whether Unicode glyphs can be drawn.
    let unicode: Bool
    private var ended = false
    /// Whether URLs shown whole become OSC 8 hyperlinks (`HyperlinkOverlay.enabled`).
    var hyperlinks = false

    /// Takes the screen: locale, cbreak, no echo, keypad, hidden cursor, short ESC delay, colours
    /// on the terminal's default background (htop's CRT.c hygiene), and a crash handler that
    /// gives the terminal back (`CrashRestore`). Call only after `TerminalCheck` allowed it.
    /// `mouse`: report clicks and the wheel (the terminal then selects text only with Shift held).
    init(color wantColor: Bool, mouse: Bool, inputTimeoutMilliseconds: Int32) {
        setlocale(LC_ALL, "")
        let codeset = String(cString: nl_langinfo(nl_item(CODESET)))
        unicode = codeset.uppercased().replacingOccurrences(of: "-", with: "") == "UTF8"
        // Without this, ESC waits a whole second for a possible escape sequence.
        set_escdelay(25)
        // The modes a crash must restore are the shell's: save them before curses changes any.
        CrashRestore.saveModes(of: STDOUT_FILENO)
        window = initscr()!
        cbreak()
        noecho()
        nonl()
        keypad(window, true)
        curs_set(0)
        wtimeout(window, inputTimeoutMilliseconds)
        coordinator_mouse_enable(mouse ? 1 : 0)
        hasColor = false
        if wantColor, has_colors() {
            start_color()
            use_default_colors()
            ColorPalette.install()
            hasColor = true
        }
        CrashRestore.arm(sequence: TerminalRestoreSequence.fromTerminfo() + (mouse ? TerminalRestoreSequence.mouseReportingOff : []))
    }

    /// Gives the terminal back. Safe to call more than once.
    func end() {
        guard !ended else { return }
        ended = true
        curs_set(1)
        endwin()
        // Only now: a crash inside endwin still restores the terminal.
        CrashRestore.disarm()
    }

    var size: ScreenSize {
        ScreenSize(rows: Int(getmaxy(window)), columns: Int(getmaxx(window)))
    }

    /// Forces a full repaint on the next `paint` (Ctrl-L).
    func invalidate() {
        wclear(window)
    }

    /// Paints `grid`, one run of equally styled cells per call; a run ends after a wide grapheme
    /// so a terminal that disagrees about its width cannot shift the rest of the row.
    func paint(_ grid: Grid) {
        let rows = min(grid.size.rows, size.rows)
        let columns = min(grid.size.columns, size.columns)
        for row in 0..<rows {
            var column = 0
            while column < columns {
                let style = grid[row, column].style
                var text = ""
                let start = column
                while column < columns {
                    let cell = grid[row, column]
                    if cell.width == 0 {
                        column += 1
                        continue
                    }
                    if cell.style != style { break }
                    text.append(cell.character)
                    column += 1
                    if cell.width == 2 {
                        column += 1
                        break
                    }
                }
                wattrset(window, ColorPalette.attributes(for: style, color: hasColor))
                mvwaddnstr(window, Int32(row), Int32(start), text, -1)
            }
        }
        wattrset(window, 0)
        wrefresh(window)
        if hyperlinks {
            // After curses has drawn the frame: the links go over text already on the screen.
            let overlay = HyperlinkOverlay.sequence(for: grid.links)
            if !overlay.isEmpty {
                var bytes = Array(overlay.utf8)[...]
                while !bytes.isEmpty {
                    let written = bytes.withUnsafeBufferPointer { write(STDOUT_FILENO, $0.baseAddress, $0.count) }
                    if written < 0, errno == EINTR { continue }
                    guard written > 0 else { break }
                    bytes = bytes.dropFirst(written)
                }
            }
        }
    }

    /// Waits up to the input timeout for one event; nil when nothing happened.
    func nextEvent() -> TerminalEvent? {
        var code: wint_t = 0
        let status = wget_wch(window, &code)
        if status == ERR { return nil }
        if status == KEY_CODE_YES {
            if Int32(code) == KEY_RESIZE { return .resized }
            if Int32(code) == KEY_MOUSE {
                var row: Int32 = -1
                var column: Int32 = -1
                let kind = coordinator_mouse_read(&row, &column)
                return KeyDecoder.mouse(kind: kind, row: row, column: column).map(TerminalEvent.mouse)
            }
            return KeyDecoder.functionKey(Int32(code)).map(TerminalEvent.key)
        }
        return KeyDecoder.character(UInt32(code)).map(TerminalEvent.key)
    }

    /// Waits no longer than `milliseconds` for the next event (0 = only what is already queued).
    func setInputTimeout(_ milliseconds: Int32) {
        wtimeout(window, milliseconds)
    }
}
