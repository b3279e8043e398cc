/// How a piece of build log text looks, as its SGR escape sequences (`ESC [ … m`) set it.
///
/// Colours are palette indexes: 0–7 the basic eight (`30–37`/`40–47`), 8–15 their bright
/// variants (`90–97`/`100–107`), 16–255 a 256-colour index (`38;5;N`) kept as given. A truecolor
/// (`38;2;R;G;B`) becomes the nearest of 0–15. `nil` is the terminal's default colour.
public struct LogStyle: Sendable, Hashable {
    public var foreground: UInt8?
    public var background: UInt8?
    public var bold: Bool
    public var underline: Bool

    public init(foreground: UInt8? = nil, background: UInt8? = nil, bold: Bool = false, underline: Bool = false) {
        self.foreground = foreground
        self.background = background
        self.bold = bold
        self.underline = underline
    }

    /// The terminal's default look: no colour, no attribute.
    public static let plain = LogStyle()
}
