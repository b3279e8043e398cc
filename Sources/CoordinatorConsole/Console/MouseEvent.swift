/// A mouse event as the console understands it, decoded from curses by the terminal layer (like
/// `Key`): where on the screen, in cells from the top left, and what happened there.
public struct MouseEvent: Hashable, Sendable {
    public enum Kind: Hashable, Sendable {
        /// The first button pressed.
        case click
        case wheelUp, wheelDown
    }

    public var row: Int
    public var column: Int
    public var kind: Kind

    public init(row: Int, column: Int, kind: Kind) {
        self.row = row
        self.column = column
        self.kind = kind
    }
}
