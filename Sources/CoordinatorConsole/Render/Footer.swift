import Coordinator

/// The footer: the task line (spinner, then ✓/✗ with the message) and the key hints with GitHub's
/// remaining rate limit.
extension ScreenPainter {
    mutating func paintFooter() {
        paintTaskLine()
        paintHints()
    }

    private mutating func paintTaskLine() {
        let rect = layout.taskLine
        if let log = state.log, log.isEditingSearch {
            let prompt = "/\(log.search)_"
            let used = text(prompt, row: rect.row, column: 0, width: rect.width, style: CellStyle(.header, bold: true))
            text("   Enter finds it (n/N: next/previous), Esc cancels", row: rect.row, column: used, width: rect.width - used, style: CellStyle(.dim))
            return
        }
        if state.isEditingFilter {
            let prompt = "/\(state.filter)_"
            let used = text(prompt, row: rect.row, column: 0, width: rect.width, style: CellStyle(.header, bold: true))
            text("   Enter keeps the filter, Esc clears it", row: rect.row, column: used, width: rect.width - used, style: CellStyle(.dim))
            return
        }
        if let waiting = state.quitWaitMessage {
            text("\(spinnerFrame) \(waiting)", row: rect.row, column: 0, width: rect.width, style: CellStyle(.notice, bold: true))
            return
        }
        let tasks = state.runningTasks
        if !tasks.isEmpty {
            let line = "\(spinnerFrame) " + tasks.map(\.message).joined(separator: " \(glyphs.separator) ")
            text(line, row: rect.row, column: 0, width: rect.width, style: CellStyle(.notice))
            return
        }
        guard let result = state.result else { return }
        switch result.kind {
        case .success:
            text("\(glyphs.success) \(result.message)", row: rect.row, column: 0, width: rect.width, style: CellStyle(.success))
        case .notice:
            text("\(glyphs.notice) \(result.message)", row: rect.row, column: 0, width: rect.width, style: CellStyle(.notice, bold: true))
        case .failure:
            let dismiss = "  (Esc dismisses)"
            let used = text("\(glyphs.failure) \(result.message)", row: rect.row, column: 0, width: rect.width - DisplayWidth.of(dismiss), style: CellStyle(.error, bold: true))
            text(dismiss, row: rect.row, column: used, width: rect.width - used, style: CellStyle(.dim))
        }
    }

    private mutating func paintHints() {
        let rect = layout.hints
        grid.fill(row: rect.row, column: 0, width: rect.width, style: CellStyle(.dim, reverse: true))
        let rate = HintBar.rateText(state.rateLimit)
        let rateWidth = DisplayWidth.of(rate)
        for placed in HintBar.placements(keyMap: .standard, width: rect.width, rateWidth: rateWidth, inLog: state.log != nil) {
            let used = grid.put(placed.keyText, row: rect.row, column: placed.column, style: CellStyle(.header, bold: true, reverse: true))
            grid.put(placed.entry, row: rect.row, column: placed.column + used, style: CellStyle(.dim, reverse: true))
        }
        if !rate.isEmpty {
            let low = (state.rateLimit?.remaining ?? 1) < max(1, (state.rateLimit?.limit ?? 0) / 10)
            grid.put(rate, row: rect.row, column: rect.width - rateWidth, style: CellStyle(low ? .error : .dim, bold: low, reverse: true))
        }
    }
}

/// Where the footer draws each key hint: the painter draws them there and a click is mapped with
/// the same placements, so a click on a hint runs that hint's intent.
public enum HintBar {
    public struct Placement: Sendable, Equatable {
        public var intent: ConsoleIntent
        public var keyText: String
        public var entry: String
        public var column: Int
        /// Columns taken by the key and the words together.
        public var width: Int
    }

    /// The hints of `keyMap` that fit in `width` columns before the rate limit (`rateWidth`), in
    /// order from the left; `inLog`: those of the build log view.
    public static func placements(keyMap: KeyMap, width: Int, rateWidth: Int, inLog: Bool = false) -> [Placement] {
        var placements: [Placement] = []
        var column = 0
        let room = width - rateWidth - 1
        for binding in keyMap.bindings {
            guard let hint = inLog ? binding.logHint : binding.hint, let key = binding.keys.first else { continue }
            let keyText = " \(key.label)"
            let entry = " \(hint) "
            let used = DisplayWidth.of(keyText) + DisplayWidth.of(entry)
            guard column + used <= room else { break }
            placements.append(Placement(intent: binding.intent, keyText: keyText, entry: entry, column: column, width: used))
            column += used
        }
        return placements
    }

    /// The rate limit's text at the right end of the hints ("" while unknown).
    static func rateText(_ limit: RateLimitSnapshot?) -> String {
        limit.map { " GitHub \($0.remaining)/\($0.limit) " } ?? ""
    }
}
