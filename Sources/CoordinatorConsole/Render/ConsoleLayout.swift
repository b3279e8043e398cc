/// A rectangle of cells.
public struct Rect: Sendable, Equatable {
    public var row: Int
    public var column: Int
    public var height: Int
    public var width: Int

    public init(row: Int, column: Int, height: Int, width: Int) {
        self.row = row
        self.column = column
        self.height = height
        self.width = width
    }

    /// The inside of a box drawn on this rectangle's edge.
    public var inner: Rect { Rect(row: row + 1, column: column + 1, height: max(0, height - 2), width: max(0, width - 2)) }
}

extension Rect {
    public func contains(row: Int, column: Int) -> Bool {
        row >= self.row && row < self.row + height && column >= self.column && column < self.column + width
    }
}

/// Which rows of a scrolled list are on screen: the one rule of the renderer (`paintRows`) and of
/// the reducer mapping a click to a row.
public enum ListWindow {
    /// The index of the first visible row of `count` rows scrolled to `scroll` in `height` rows.
    public static func first(count: Int, scroll: Int, height: Int) -> Int {
        min(max(scroll, 0), max(count - height, 0))
    }
}

/// Where each pane goes for a screen size. Pure; shared by the renderer and the reducer (which
/// needs the issues list height to scroll and page).
public struct ConsoleLayout: Sendable, Equatable {
    /// Below this the console shows "terminal too small" instead of squeezing panes.
    public static let minimum = ScreenSize(rows: 15, columns: 60)

    public var size: ScreenSize
    public var isTooSmall: Bool
    public var header: Rect
    public var repos: Rect
    public var issues: Rect
    public var detail: Rect
    public var taskLine: Rect
    public var hints: Rect

    public init(size: ScreenSize, showPreview: Bool) {
        self.size = size
        isTooSmall = size.rows < Self.minimum.rows || size.columns < Self.minimum.columns
        let rows = max(size.rows, 0)
        let columns = max(size.columns, 0)
        header = Rect(row: 0, column: 0, height: 1, width: columns)
        taskLine = Rect(row: max(rows - 2, 0), column: 0, height: 1, width: columns)
        hints = Rect(row: max(rows - 1, 0), column: 0, height: 1, width: columns)
        let bodyHeight = max(rows - 3, 0)
        let reposWidth = min(max(columns / 4, 22), 32)
        repos = Rect(row: 1, column: 0, height: bodyHeight, width: reposWidth)
        let rightWidth = max(columns - reposWidth, 0)
        // The plan needs room; without it the list gets most of the height.
        let issuesHeight = showPreview ? (bodyHeight + 1) / 2 : (bodyHeight * 3) / 5
        issues = Rect(row: 1, column: reposWidth, height: issuesHeight, width: rightWidth)
        detail = Rect(row: 1 + issuesHeight, column: reposWidth, height: bodyHeight - issuesHeight, width: rightWidth)
    }

    /// Issue rows visible at once: the pane minus its borders and the column header.
    public var issueListHeight: Int { max(issues.height - 3, 0) }

    /// The screen row of the issues list's first row (below the border and the column header).
    public var issueListTop: Int { issues.row + 2 }
}
