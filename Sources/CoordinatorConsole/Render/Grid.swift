/// One terminal cell: a grapheme and its style. A wide grapheme occupies its cell and the next,
/// which holds a continuation (`width == 0`) the painter skips.
public struct Cell: Sendable, Equatable {
    public var character: Character
    /// 1 or 2; 0 for the right half of a wide grapheme.
    public var width: UInt8
    public var style: CellStyle

    public static let blank = Cell(character: " ", width: 1, style: .normal)
}

/// The whole screen as styled cells: what `render` produces and `Terminal` paints. Pure data, so
/// snapshot tests read it as plain text.
public struct Grid: Sendable, Equatable {
    public let size: ScreenSize
    public private(set) var cells: [Cell]
    /// Without a UTF-8 locale, every non-ASCII grapheme is drawn as `?`.
    public let asciiOnly: Bool
    /// URLs the painter drew whole, which `links` finds on the screen (see `offerLink`).
    public internal(set) var linkTargets: Set<String> = []

    public init(size: ScreenSize, asciiOnly: Bool = false) {
        self.size = size
        self.asciiOnly = asciiOnly
        cells = Array(repeating: .blank, count: max(0, size.rows) * max(0, size.columns))
    }

    public subscript(row: Int, column: Int) -> Cell {
        cells[row * size.columns + column]
    }

    /// Writes `text` from (`row`, `column`), clipped to `maxWidth` columns and the screen edge.
    /// Control characters become spaces. Returns the columns written.
    @discardableResult
    public mutating func put(_ text: String, row: Int, column: Int, maxWidth: Int = Int.max, style: CellStyle = .normal) -> Int {
        guard row >= 0, row < size.rows, column >= 0, column < size.columns else { return 0 }
        let limit = maxWidth >= size.columns - column ? size.columns : column + max(0, maxWidth)
        var col = column
        for original in text {
            var character = original
            var width = DisplayWidth.of(character)
            if width == 0 {
                if original.unicodeScalars.first.map({ $0.value < 0x20 || $0.value == 0x7F }) ?? true {
                    character = " "
                    width = 1
                } else {
                    continue
                }
            }
            if asciiOnly, !character.isASCII {
                character = "?"
                width = 1
            }
            if col + width > limit { break }
            set(row, col, Cell(character: character, width: UInt8(width), style: style))
            if width == 2 { set(row, col + 1, Cell(character: " ", width: 0, style: style)) }
            col += width
        }
        return col - column
    }

    /// Paints `width` blank cells in `style`.
    public mutating func fill(row: Int, column: Int, width: Int, style: CellStyle = .normal) {
        guard row >= 0, row < size.rows else { return }
        let end = min(column + width, size.columns)
        var col = max(column, 0)
        while col < end {
            set(row, col, Cell(character: " ", width: 1, style: style))
            col += 1
        }
    }

    /// Restyles cells without changing their text (e.g. the selected row's reverse video).
    public mutating func restyle(row: Int, column: Int, width: Int, style: CellStyle) {
        guard row >= 0, row < size.rows else { return }
        let end = min(column + width, size.columns)
        var col = max(column, 0)
        while col < end {
            cells[row * size.columns + col].style = style
            col += 1
        }
    }

    /// Overwriting half of a wide grapheme blanks its other half, so no orphan halves remain.
    private mutating func set(_ row: Int, _ column: Int, _ cell: Cell) {
        let index = row * size.columns + column
        let old = cells[index]
        if old.width == 0, column > 0, cell.width != 0 {
            cells[index - 1] = Cell(character: " ", width: 1, style: cells[index - 1].style)
        }
        if old.width == 2, column + 1 < size.columns, cell.width != 2 {
            cells[index + 1] = Cell(character: " ", width: 1, style: cells[index + 1].style)
        }
        cells[index] = cell
    }

    /// One row as text, continuation cells skipped.
    public func text(row: Int) -> String {
        var out = ""
        for column in 0..<size.columns {
            let cell = self[row, column]
            if cell.width != 0 { out.append(cell.character) }
        }
        return out
    }

    /// The screen as text, one line per row, trailing spaces trimmed: what snapshot tests compare.
    public var plainText: String {
        (0..<size.rows).map { row in
            var line = text(row: row)
            while line.last == " " { line.removeLast() }
            return line
        }.joined(separator: "\n")
    }
}
