import Coordinator
import Foundation

/// The build log view: one box over the panes, the log's lines with their colours (each other
/// escape or control was taken out by the decoder, and the grid draws none), the search prompt in
/// the task line.
extension ScreenPainter {
    mutating func paintLog(_ view: LogView) {
        let rect = Rect(row: 1, column: 0, height: max(layout.size.rows - 3, 0), width: layout.size.columns)
        var title = "log \(glyphs.separator) \(view.repo) #\(view.issue)"
        if let build = view.build { title += " \(glyphs.separator) build #\(build.number)" }
        switch view.phase {
        case .shown, .reading:
            if view.build != nil {
                title += " \(glyphs.separator) " + (view.more ? (view.follow ? "following" : "running, not followed (F follows)") : "finished")
            }
        case .queued, .locating, .unavailable:
            break
        }
        box(rect, title: title, focused: true)
        let inner = rect.inner
        guard inner.height > 0, inner.width > 0 else { return }
        switch view.phase {
        case .locating:
            text("\(spinnerFrame) looking up the build of #\(view.issue)…", row: inner.row, column: inner.column + 1, width: inner.width - 1, style: CellStyle(.dim))
            return
        case let .queued(why):
            text("\(spinnerFrame) queued in Jenkins, not started: \(why ?? "no reason given")", row: inner.row, column: inner.column + 1, width: inner.width - 1, style: CellStyle(.notice))
            return
        case let .unavailable(reason):
            text("no log: \(reason)", row: inner.row, column: inner.column + 1, width: inner.width - 1, style: CellStyle(.error))
            return
        case .reading where view.lines.isEmpty:
            text("\(spinnerFrame) reading the log…", row: inner.row, column: inner.column + 1, width: inner.width - 1, style: CellStyle(.dim))
            return
        case .reading, .shown:
            break
        }
        if view.lines.isEmpty {
            text("(the log is empty so far)", row: inner.row, column: inner.column + 1, width: inner.width - 1, style: CellStyle(.dim))
        }
        let first = min(max(view.top, 0), max(view.lines.count - inner.height, 0))
        let last = min(first + inner.height, view.lines.count)
        for index in first..<last {
            paintLogLine(view.lines[index], row: inner.row + index - first, inner: inner, skip: view.column, matched: index == view.matched)
        }
        var position = view.lines.isEmpty ? "" : " lines \(first + 1)–\(last) of \(view.lines.count) read"
        if !view.atLogStart { position += ", from byte \(view.windowStart)" }
        if view.column > 0 { position += ", column \(view.column + 1)" }
        if !position.isEmpty {
            position += " "
            let width = DisplayWidth.of(position)
            if width + 4 <= rect.width {
                grid.put(position, row: rect.row + rect.height - 1, column: rect.column + rect.width - width - 2, style: CellStyle(.dim))
            }
        }
    }

    /// One log line from display column `skip` on, each span in its colour.
    private mutating func paintLogLine(_ line: LogLine, row: Int, inner: Rect, skip: Int, matched: Bool) {
        var toSkip = skip
        var column = inner.column
        let end = inner.column + inner.width
        for span in line.spans {
            guard column < end else { break }
            var text = span.text
            if toSkip > 0 {
                var dropped = 0
                var index = text.startIndex
                while index < text.endIndex, dropped < toSkip {
                    dropped += DisplayWidth.of(text[index])
                    index = text.index(after: index)
                }
                toSkip -= dropped
                text = String(text[index...])
            }
            guard !text.isEmpty else { continue }
            var style = Self.cellStyle(span.style)
            if matched { style.reverse = true }
            column += grid.put(text, row: row, column: column, maxWidth: end - column, style: style)
        }
    }

    /// A log colour as a style role (the bright colours bold); colours past the first 16 are shown plain.
    static func cellStyle(_ style: LogStyle) -> CellStyle {
        let roles: [StyleRole] = [.logBlack, .logRed, .logGreen, .logYellow, .logBlue, .logMagenta, .logCyan, .logWhite]
        guard let colour = style.foreground, colour < 16 else { return CellStyle(.normal, bold: style.bold) }
        return CellStyle(roles[Int(colour % 8)], bold: style.bold || colour >= 8)
    }
}
