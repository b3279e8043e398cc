import Coordinator
import Foundation

/// Draws the whole console for `state` on a screen of `size`. Pure: no terminal, no clock
/// (`state.now` is the time), so snapshots test it as text.
public func render(_ state: ConsoleState, size: ScreenSize, options: RenderOptions = RenderOptions()) -> Grid {
    var painter = ScreenPainter(state: state, size: size, glyphs: options.glyphs, asciiOnly: !options.unicode)
    painter.paint()
    return painter.grid
}

/// Paints one frame into a grid; one extension per pane.
struct ScreenPainter {
    let state: ConsoleState
    let layout: ConsoleLayout
    let glyphs: Glyphs
    var grid: Grid

    init(state: ConsoleState, size: ScreenSize, glyphs: Glyphs, asciiOnly: Bool) {
        self.state = state
        self.glyphs = glyphs
        layout = ConsoleLayout(size: size, showPreview: state.showPreview)
        grid = Grid(size: size, asciiOnly: asciiOnly)
    }

    mutating func paint() {
        guard !layout.isTooSmall else {
            paintTooSmall()
            return
        }
        paintHeader()
        if let log = state.log {
            paintLog(log)
        } else {
            paintRepos()
            paintIssues()
            paintDetail()
        }
        paintFooter()
        switch state.modal {
        case let .confirmDispatch(repo, jobPath, issues)?:
            paintDispatchConfirmation(repo: repo, jobPath: jobPath, issues: issues)
        case let .confirmSync(repo)?:
            paintSyncConfirmation(repo: repo)
        case let .chooseUnstick(request)?:
            paintUnstickChoice(request)
        case let .confirmUnstick(request, target, move)?:
            paintUnstickConfirmation(request, target: target, move: move)
        case let .confirmMarkedDispatch(repo, jobPath, issues, skipped)?:
            paintMarkedConfirmation(
                title: "Confirm dispatch", headline: "Dispatch \(BulkRun.markedIssues(issues.count)) of \(repo) to \(jobPath)",
                moves: issues.map { MarkedMove(number: $0.number, title: $0.title, move: $0.labelMove) }, skipped: skipped,
                verb: "dispatch \(issues.count)")
        case let .chooseMarkedUnstick(marked)?:
            paintMarkedUnstickChoice(marked)
        case let .confirmMarkedUnstick(marked, target, moves, skipped)?:
            let to = target == .pickup ? "back to their pickup label" : "on to their failure label"
            paintMarkedConfirmation(
                title: "Confirm unstick", headline: "Unstick \(BulkRun.markedIssues(moves.count)) of \(marked.repo), \(to)",
                moves: moves, skipped: skipped, verb: "unstick \(moves.count)")
        case .help?:
            paintHelp()
        case nil:
            break
        }
    }

    // MARK: Drawing helpers

    /// A box on `rect`'s edge with `title` in the top border; the focused pane's border is bold.
    mutating func box(_ rect: Rect, title: String, focused: Bool) {
        guard rect.height >= 2, rect.width >= 2 else { return }
        let style = CellStyle(focused ? .header : .border, bold: focused)
        let inner = rect.width - 2
        let horizontal = String(repeating: glyphs.horizontal, count: inner)
        grid.put(glyphs.topLeft + horizontal + glyphs.topRight, row: rect.row, column: rect.column, style: style)
        for row in (rect.row + 1)..<(rect.row + rect.height - 1) {
            grid.put(glyphs.vertical, row: row, column: rect.column, style: style)
            grid.put(glyphs.vertical, row: row, column: rect.column + rect.width - 1, style: style)
        }
        grid.put(glyphs.bottomLeft + horizontal + glyphs.bottomRight, row: rect.row + rect.height - 1, column: rect.column, style: style)
        if !title.isEmpty, inner > 4 {
            let text = " " + DisplayWidth.truncate(title, to: inner - 4, ellipsis: glyphs.ellipsis) + " "
            grid.put(text, row: rect.row, column: rect.column + 2, maxWidth: inner - 2, style: CellStyle(.header, bold: true))
        }
    }

    /// Text clipped to `width` columns with an ellipsis; returns the columns used.
    @discardableResult
    mutating func text(_ text: String, row: Int, column: Int, width: Int, style: CellStyle = .normal) -> Int {
        guard width > 0 else { return 0 }
        return grid.put(DisplayWidth.truncate(text, to: width, ellipsis: glyphs.ellipsis), row: row, column: column, maxWidth: width, style: style)
    }

    /// The visible rows of a list of `count` rows scrolled to `scroll`, each painted by `paintRow`
    /// (index, screen row), and "cursor/count" on the pane's bottom border when they do not all fit.
    /// The one scrolling rule of the issues, stale, busy and history lists.
    mutating func paintRows(
        count: Int, cursor: Int, scroll: Int, height: Int, firstRow: Int, pane rect: Rect, _ paintRow: (inout Self, Int, Int) -> Void
    ) {
        let first = ListWindow.first(count: count, scroll: scroll, height: height)
        let last = min(first + height, count)
        for index in first..<last { paintRow(&self, index, firstRow + index - first) }
        if count > height {
            let position = " \(cursor + 1)/\(count) "
            grid.put(position, row: rect.row + rect.height - 1, column: rect.column + rect.width - DisplayWidth.of(position) - 2, style: CellStyle(.dim))
        }
    }

    var spinnerFrame: String {
        let frames = glyphs.spinner
        let tick = Int((state.now.timeIntervalSinceReferenceDate * 10).rounded(.down))
        return frames[((tick % frames.count) + frames.count) % frames.count]
    }

    /// `host:port` of a URL, for the header.
    static func host(of url: String) -> String {
        guard let components = URLComponents(string: url), let host = components.host else { return url }
        return components.port.map { "\(host):\($0)" } ?? host
    }

    /// "12s ago", "5m ago", "3h ago", as `status` says it.
    func age(since date: Date) -> String {
        ElapsedText.ago(date, now: state.now)
    }

    // MARK: Header and small screen

    mutating func paintHeader() {
        let rect = layout.header
        let style = CellStyle(.header, bold: true, reverse: true)
        grid.fill(row: rect.row, column: 0, width: rect.width, style: style)
        var parts = ["Coordinator console", "view: \(state.log != nil ? "build log" : state.history != nil ? "history" : state.view.title)"]
        if !state.filter.isEmpty { parts.append("filter: \(state.filter)") }
        if state.readOnly { parts.append("READ-ONLY") }
        if let server = state.server {
            switch server.connection {
            case .connected:
                parts.append("serve \(Self.host(of: server.url)) as \(server.operatorName)")
            case let .reconnecting(since, retryAt, _):
                let seconds = retryAt.timeIntervalSince(state.now)
                let wait = seconds.isFinite ? Int(min(max(seconds.rounded(.up), 0), 3600)) : 0
                parts.append("STALE: serve lost \(age(since: since)), retry in \(wait)s")
            }
        }
        if state.history == nil, let repo = state.currentRepo, !repo.marked.isEmpty {
            parts.append("\(repo.marked.count) marked in \(repo.name)")
        }
        let left = " " + parts.joined(separator: " \(glyphs.separator) ")
        let used = text(left, row: rect.row, column: 0, width: rect.width, style: style)
        if let banner = state.banner {
            let room = rect.width - used - 2
            let shown = DisplayWidth.truncate(banner, to: room, ellipsis: glyphs.ellipsis)
            let width = DisplayWidth.of(shown)
            if room > 8 { grid.put(shown, row: rect.row, column: rect.width - width - 1, style: style) }
        }
    }

    mutating func paintTooSmall() {
        let size = layout.size
        let minimum = ConsoleLayout.minimum
        let lines = [
            "Terminal too small",
            "\(size.columns)x\(size.rows), need \(minimum.columns)x\(minimum.rows)",
            "enlarge it, or q to quit",
        ]
        let top = max(0, (size.rows - lines.count) / 2)
        for (offset, line) in lines.enumerated() {
            let width = min(DisplayWidth.of(line), size.columns)
            let column = max(0, (size.columns - width) / 2)
            text(line, row: top + offset, column: column, width: size.columns - column, style: CellStyle(offset == 0 ? .error : .normal, bold: offset == 0))
        }
    }
}
