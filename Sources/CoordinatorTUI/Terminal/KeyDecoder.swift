import CNcurses

/// Curses key codes to console keys.
enum KeyDecoder {
    static func functionKey(_ code: Int32) -> Key? {
        switch code {
        case KEY_UP: return .up
        case KEY_DOWN: return .down
        case KEY_LEFT: return .left
        case KEY_RIGHT: return .right
        case KEY_NPAGE: return .pageDown
        case KEY_PPAGE: return .pageUp
        case KEY_HOME: return .home
        case KEY_END: return .end
        case KEY_ENTER: return .enter
        case KEY_BTAB: return .backTab
        case KEY_BACKSPACE: return .backspace
        default: return nil
        }
    }

    /// What `coordinator_mouse_read` answered; nil for an event the console does not use or a
    /// position off the screen (negative: curses could not place it).
    static func mouse(kind: Int32, row: Int32, column: Int32) -> MouseEvent? {
        guard row >= 0, column >= 0 else { return nil }
        switch kind {
        case 1: return MouseEvent(row: Int(row), column: Int(column), kind: .click)
        case 2: return MouseEvent(row: Int(row), column: Int(column), kind: .wheelUp)
        case 3: return MouseEvent(row: Int(row), column: Int(column), kind: .wheelDown)
        default: return nil
        }
    }

    static func character(_ value: UInt32) -> Key? {
        switch value {
        case 9: return .tab
        case 10, 13: return .enter
        case 27: return .escape
        case 8, 127: return .backspace
        case 1...26:
            return .control(Character(Unicode.Scalar(value + 96)!))
        default:
            guard value >= 32, let scalar = Unicode.Scalar(value) else { return nil }
            return .char(Character(scalar))
        }
    }
}
