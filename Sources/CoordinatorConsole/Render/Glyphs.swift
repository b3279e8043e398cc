/// The symbols the console draws, with ASCII stand-ins for terminals without a UTF-8 locale.
public struct Glyphs: Sendable, Equatable {
    public var stale: String
    public var conflict: String
    public var dispatched: String
    /// A row marked with `Space` for a bulk `D` or `u`.
    public var marked: String
    public var ellipsis: Character
    public var horizontal: String
    public var vertical: String
    public var topLeft: String
    public var topRight: String
    public var bottomLeft: String
    public var bottomRight: String
    public var spinner: [String]
    public var success: String
    public var failure: String
    public var notice: String
    public var onlyLive: String
    public var onlyCached: String
    public var arrow: String
    public var pointer: String
    public var none: String
    public var separator: String

    public static let unicode = Glyphs(
        stale: "≠", conflict: "!", dispatched: "→", marked: "●", ellipsis: "…",
        horizontal: "─", vertical: "│", topLeft: "┌", topRight: "┐", bottomLeft: "└", bottomRight: "┘",
        spinner: ["⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"],
        success: "✓", failure: "✗", notice: "•", onlyLive: "+", onlyCached: "−", arrow: "→", pointer: "▶",
        none: "—", separator: "·")

    public static let ascii = Glyphs(
        stale: "~", conflict: "!", dispatched: ">", marked: "*", ellipsis: "~",
        horizontal: "-", vertical: "|", topLeft: "+", topRight: "+", bottomLeft: "+", bottomRight: "+",
        spinner: ["|", "/", "-", "\\"],
        success: "ok", failure: "x", notice: "*", onlyLive: "+", onlyCached: "-", arrow: "->", pointer: ">",
        none: "-", separator: "|")
}

/// How to draw: Unicode or ASCII. Colour is the terminal's business; the grid carries roles.
public struct RenderOptions: Sendable, Equatable {
    public var unicode: Bool

    public init(unicode: Bool = true) {
        self.unicode = unicode
    }

    public var glyphs: Glyphs { unicode ? .unicode : .ascii }
}
