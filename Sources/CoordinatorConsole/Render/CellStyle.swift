/// What a cell means; the terminal maps roles to colours, or to attributes in monochrome.
public enum StyleRole: UInt8, Sendable, Equatable, CaseIterable {
    case normal
    case header
    case border
    case selected
    case stale
    case conflict
    case dispatched
    case success
    case error
    case dim
    case notice
    /// A build log's own colours (SGR 30–37, 90–97).
    case logBlack, logRed, logGreen, logYellow, logBlue, logMagenta, logCyan, logWhite
}

/// A role plus the attributes that must survive without colour (selection is reverse video, titles
/// are bold), so a monochrome terminal still shows the selection and the structure.
public struct CellStyle: Sendable, Equatable, Hashable {
    public var role: StyleRole
    public var bold: Bool
    public var reverse: Bool

    public init(_ role: StyleRole = .normal, bold: Bool = false, reverse: Bool = false) {
        self.role = role
        self.bold = bold
        self.reverse = reverse
    }

    public static let normal = CellStyle()
}
