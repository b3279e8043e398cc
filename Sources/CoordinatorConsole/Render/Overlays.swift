import Coordinator

/// Modal overlays drawn over the panes: dispatch, sync and unstick confirmations (y confirms,
/// anything else cancels), the unstick choice, and the help generated from the key map.
extension ScreenPainter {
    /// A centred box holding `lines`, as wide as the longest line allows.
    private mutating func overlay(title: String, lines: [[(String, CellStyle)]]) {
        let size = layout.size
        let longest = lines.map { $0.reduce(0) { $0 + DisplayWidth.of($1.0) } }.max() ?? 0
        let width = min(max(longest, DisplayWidth.of(title) + 4) + 4, size.columns - 4)
        let height = min(lines.count + 2, size.rows - 2)
        let rect = Rect(row: max(0, (size.rows - height) / 2), column: max(0, (size.columns - width) / 2), height: height, width: width)
        for row in rect.row..<(rect.row + rect.height) {
            grid.fill(row: row, column: rect.column, width: rect.width)
        }
        box(rect, title: title, focused: true)
        let inner = Rect(row: rect.row + 1, column: rect.column + 2, height: rect.height - 2, width: rect.width - 4)
        for (offset, line) in lines.prefix(inner.height).enumerated() {
            var column = inner.column
            for (segment, style) in line {
                let room = inner.column + inner.width - column
                guard room > 0 else { break }
                column += text(segment, row: inner.row + offset, column: column, width: room, style: style)
            }
        }
    }

    private var confirmLine: (String) -> [(String, CellStyle)] {
        { verb in
            [(" y ", CellStyle(.header, bold: true, reverse: true)), (" \(verb)    ", .normal),
             (" n ", CellStyle(.dim, reverse: true)), (" / Esc / any other key cancels (default: No)", CellStyle(.dim))]
        }
    }

    mutating func paintDispatchConfirmation(repo: String, jobPath: String, issues: [DispatchCandidate]) {
        var lines: [[(String, CellStyle)]] = []
        let key = CellStyle(.dim)
        if issues.count == 1, let issue = issues.first {
            lines.append([("Dispatch #\(issue.number) ", CellStyle(.header, bold: true)), ("\"\(issue.title)\"", CellStyle(.normal, bold: true))])
            lines.append([])
            lines.append([("repo      ", key), (repo, .normal)])
            lines.append([("workflow  ", key), (issue.workflow.rawValue, .normal)])
            lines.append([("job       ", key), (jobPath, .normal)])
            lines.append([("labels    ", key), ("\(issue.labelMove.remove) \(glyphs.arrow) \(issue.labelMove.add)", CellStyle(.dispatched, bold: true))])
        } else {
            lines.append([("Dispatch \(issues.count) eligible issues of \(repo) to \(jobPath)", CellStyle(.header, bold: true))])
            lines.append([])
            let room = max(1, layout.size.rows - 10)
            for issue in issues.prefix(room) {
                lines.append([
                    ("#\(issue.number) ", CellStyle(.normal, bold: true)), ("\(issue.workflow.rawValue)  ", key),
                    ("\(shortStatus(issue.labelMove.remove)) \(glyphs.arrow) \(shortStatus(issue.labelMove.add))  ", CellStyle(.dispatched)),
                    (issue.title, .normal),
                ])
            }
            if issues.count > room { lines.append([("… and \(issues.count - room) more", key)]) }
        }
        lines.append([])
        lines.append(confirmLine(issues.count == 1 ? "dispatch" : "dispatch all \(issues.count)"))
        overlay(title: "Confirm dispatch", lines: lines)
    }

    mutating func paintSyncConfirmation(repo: String) {
        overlay(title: "Confirm sync", lines: [
            [("Sync the \(repo) cache from live GitHub?", CellStyle(.header, bold: true))],
            [],
            [("A full listing replaces the cached issues; closed issues leave the cache.", .normal)],
            [],
            confirmLine("sync"),
        ])
    }

    mutating func paintUnstickChoice(_ request: UnstickRequest) {
        let key = CellStyle(.dim)
        var lines: [[(String, CellStyle)]] = [
            [("Unstick #\(request.number) ", CellStyle(.header, bold: true)), ("\"\(request.title)\"", CellStyle(.normal, bold: true))],
            [],
            [("repo      ", key), (request.repo, .normal)],
            [("busy      ", key), (request.busyLabel, .normal)],
        ]
        if let stuck = request.stuck {
            lines.append([("stuck     ", key), ("\(glyphs.failure) \(stuck)", CellStyle(.error, bold: true))])
        } else {
            lines.append([("stuck     ", key), ("no: its bot may still be working", CellStyle(.notice))])
        }
        lines.append([])
        let choices: [(UnstickTarget, String, String)] = [
            (.pickup, "p", "give the pickup label back: the next run dispatches it again"),
            (.failure, "f", "move to the failure label: a person takes it"),
        ]
        for (target, letter, words) in choices {
            switch request.option(target) {
            case let .move(move):
                lines.append([(" \(letter) ", CellStyle(.header, bold: true, reverse: true)), (" \(words)", .normal)])
                lines.append([("    \(move.remove) \(glyphs.arrow) \(move.add)", CellStyle(.dispatched))])
            case let .unavailable(reason):
                lines.append([(" \(letter) ", CellStyle(.dim, reverse: true)), (" \(words)", CellStyle(.dim))])
                lines.append([("    not possible: \(reason)", CellStyle(.dim))])
            }
        }
        lines.append([])
        lines.append([(" Esc ", CellStyle(.dim, reverse: true)), (" / any other key cancels", key)])
        overlay(title: "Unstick", lines: lines)
    }

    mutating func paintUnstickConfirmation(_ request: UnstickRequest, target: UnstickTarget, move: LabelMove) {
        let consequence = target == .pickup
            ? "back to the pickup label: the next run dispatches it again"
            : "on to the failure label: a person takes it from there"
        overlay(title: "Confirm unstick", lines: [
            [("Unstick #\(request.number) ", CellStyle(.header, bold: true)), ("\"\(request.title)\"", CellStyle(.normal, bold: true))],
            [],
            [("#\(request.number) \(move.remove) \(glyphs.arrow) \(move.add)", CellStyle(.dispatched, bold: true))],
            [(consequence, .normal)],
            [("repo \(request.repo); the issue is read live first, under the repo's lock", CellStyle(.dim))],
            [],
            confirmLine("unstick"),
        ])
    }

    /// A bulk action on marked issues: each issue with its exact label move, then the marked ones
    /// skipped and why; `y` confirms them all at once.
    mutating func paintMarkedConfirmation(title: String, headline: String, moves: [MarkedMove], skipped: [SkippedIssue], verb: String) {
        let key = CellStyle(.dim)
        var lines: [[(String, CellStyle)]] = [[(headline, CellStyle(.header, bold: true))], []]
        // Room for the headline, the skipped lines and the confirmation; the rest is summed up.
        let room = max(1, layout.size.rows - 10 - min(skipped.count, 3))
        for item in moves.prefix(room) {
            lines.append([
                ("#\(item.number) \(item.move.remove) \(glyphs.arrow) \(item.move.add)  ", CellStyle(.dispatched, bold: true)),
                (item.title, .normal),
            ])
        }
        if moves.count > room { lines.append([("\(glyphs.ellipsis) and \(moves.count - room) more", key)]) }
        if !skipped.isEmpty {
            lines.append([])
            for item in skipped.prefix(3) {
                lines.append([("skipped #\(item.number): ", CellStyle(.notice, bold: true)), (item.reason, .normal)])
            }
            if skipped.count > 3 { lines.append([("\(glyphs.ellipsis) and \(skipped.count - 3) more skipped", key)]) }
        }
        lines.append([])
        lines.append(confirmLine(verb))
        overlay(title: title, lines: lines)
    }

    /// `u` with marked issues: `p` or `f` for all of them, with how many can take each.
    mutating func paintMarkedUnstickChoice(_ marked: MarkedUnstick) {
        let key = CellStyle(.dim)
        var lines: [[(String, CellStyle)]] = [
            [("Unstick \(BulkRun.markedIssues(marked.requests.count)) of \(marked.repo)", CellStyle(.header, bold: true))],
            [],
        ]
        let choices: [(UnstickTarget, String, String)] = [
            (.pickup, "p", "give the pickup labels back: the next run dispatches them again"),
            (.failure, "f", "move to the failure labels: a person takes them"),
        ]
        for (target, letter, words) in choices {
            let possible = marked.moves(to: target).moves.count
            let style = possible > 0 ? CellStyle(.header, bold: true, reverse: true) : CellStyle(.dim, reverse: true)
            lines.append([(" \(letter) ", style), (" \(words)", possible > 0 ? .normal : key)])
            lines.append([("    \(possible) of \(marked.requests.count + marked.skipped.count) can; the next screen lists each move", key)])
        }
        lines.append([])
        lines.append([(" Esc ", CellStyle(.dim, reverse: true)), (" / any other key cancels", key)])
        overlay(title: "Unstick", lines: lines)
    }

    mutating func paintHelp() {
        let bindings = KeyMap.standard.bindings
        let keyWidth = bindings.map { DisplayWidth.of($0.keyLabel) }.max() ?? 8
        let entries: [[(String, CellStyle)]] = bindings.map { binding in
            [(DisplayWidth.fit(binding.keyLabel, to: keyWidth) + "  ", CellStyle(.header, bold: true)), (binding.help, .normal)]
        }
        let mouse: [(String, CellStyle)] = [(state.mouse
            ? "mouse: a click selects a pane, a row or runs a hint; the wheel scrolls; Shift+drag selects text"
            : "mouse: off (--no-mouse); the terminal selects text", CellStyle(.dim))]
        let footer: [(String, CellStyle)] = [("any key closes this help", CellStyle(.dim))]
        let available = layout.size.rows - 4
        if entries.count + 3 <= available {
            overlay(title: "Keys", lines: entries + [[], mouse, footer])
            return
        }
        // Not enough rows: two columns, each entry cut to half the width.
        let half = (entries.count + 1) / 2
        let columnWidth = (layout.size.columns - 10) / 2
        var lines: [[(String, CellStyle)]] = []
        for index in 0..<half {
            let left = entries[index]
            var line: [(String, CellStyle)] = left.enumerated().map { offset, segment in
                offset == 0 ? segment : (DisplayWidth.fit(segment.0, to: max(columnWidth - keyWidth - 2, 1), ellipsis: glyphs.ellipsis) + " ", segment.1)
            }
            if index + half < entries.count { line += entries[index + half] }
            lines.append(line)
        }
        overlay(title: "Keys", lines: lines + [mouse, footer])
    }
}
