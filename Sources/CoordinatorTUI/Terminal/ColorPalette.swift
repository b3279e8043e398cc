import CNcurses

/// Style roles to curses colour pairs and attributes. Selection and titles use attributes, so a
/// monochrome terminal (or `NO_COLOR`) still shows them.
enum ColorPalette {
    // ncurses' attribute bits (NCURSES_BITS), which Swift cannot import from the macros.
    private static let bold: Int32 = 1 << 21
    private static let reverse: Int32 = 1 << 18
    private static let dim: Int32 = 1 << 20

    private static func pair(_ role: StyleRole) -> Int16 { Int16(role.rawValue) + 1 }

    private static func foreground(_ role: StyleRole) -> Int16 {
        switch role {
        case .normal, .border, .selected: return -1
        case .header: return Int16(COLOR_CYAN)
        case .stale: return Int16(COLOR_YELLOW)
        case .conflict: return Int16(COLOR_MAGENTA)
        case .dispatched: return Int16(COLOR_BLUE)
        case .success: return Int16(COLOR_GREEN)
        case .error: return Int16(COLOR_RED)
        case .dim: return -1
        case .notice: return Int16(COLOR_YELLOW)
        case .logBlack: return Int16(COLOR_BLACK)
        case .logRed: return Int16(COLOR_RED)
        case .logGreen: return Int16(COLOR_GREEN)
        case .logYellow: return Int16(COLOR_YELLOW)
        case .logBlue: return Int16(COLOR_BLUE)
        case .logMagenta: return Int16(COLOR_MAGENTA)
        case .logCyan: return Int16(COLOR_CYAN)
        case .logWhite: return Int16(COLOR_WHITE)
        }
    }

    /// One pair per role on the terminal's own background (`use_default_colors`).
    static func install() {
        for role in StyleRole.allCases {
            init_pair(pair(role), foreground(role), -1)
        }
    }

    static func attributes(for style: CellStyle, color: Bool) -> Int32 {
        var attributes: Int32 = 0
        if color {
            attributes |= Int32(pair(style.role)) << 8
        } else {
            switch style.role {
            case .error, .stale, .conflict, .header: attributes |= bold
            default: break
            }
        }
        if style.role == .dim || style.role == .border { attributes |= dim }
        if style.bold { attributes |= bold }
        if style.reverse { attributes |= reverse }
        return attributes
    }
}
