import Coordinator
import Foundation

/// The detail pane: cached and live labels with the difference marked, state difference, the rule's
/// verdict, this session's dispatch, and the dry-run plan with every parameter in full.
extension ScreenPainter {
    typealias Line = [(String, CellStyle)]

    mutating func paintDetail() {
        let rect = layout.detail
        if state.history != nil {
            paintHistoryDetail()
            return
        }
        guard let repo = state.currentRepo, let row = repo.selectedRow else {
            box(rect, title: "Detail", focused: state.focus == .detail)
            return
        }
        box(rect, title: "#\(row.number) detail", focused: state.focus == .detail)
        let inner = rect.inner
        guard inner.height > 0, inner.width > 4 else { return }
        let lines = detailLines(repo: repo, row: row, width: inner.width)
        // The URLs the lines show, as hyperlinks where the terminal has them.
        if let url = repo.live?[row.number]?.url ?? repo.cached[row.number]?.url { grid.offerLink(url) }
        if let url = newestBuildURL(repo: repo, number: row.number) { grid.offerLink(url) }
        paintScrolled(lines, in: rect)
    }

    /// `lines` in `rect`'s box from the detail's scroll position, "first-last/count" on the bottom
    /// border when they do not all fit: the detail of an issue and of a history entry alike.
    mutating func paintScrolled(_ lines: [Line], in rect: Rect) {
        let inner = rect.inner
        let first = min(state.detailScroll, max(lines.count - inner.height, 0))
        for (offset, line) in lines.dropFirst(first).prefix(inner.height).enumerated() {
            var column = inner.column
            for (segment, style) in line {
                let room = inner.column + inner.width - column
                guard room > 0 else { break }
                column += text(segment, row: inner.row + offset, column: column, width: room, style: style)
            }
        }
        if lines.count > inner.height {
            let more = " \(first + 1)-\(min(first + inner.height, lines.count))/\(lines.count) "
            grid.put(more, row: rect.row + rect.height - 1, column: rect.column + rect.width - DisplayWidth.of(more) - 2, style: CellStyle(.dim))
        }
    }

    /// The web page of the issue's newest build known: the survey's, this session's dispatch's, the history's.
    func newestBuildURL(repo: RepoStatus, number: Int) -> String? {
        if let url = repo.busySurvey?.issue(number)?.build?.url, !url.isEmpty { return url }
        if case let .dispatched(receipt, _)? = repo.dispatches[number], let url = receipt.buildURL, !url.isEmpty { return url }
        if let url = repo.history[number]?.buildURL, !url.isEmpty { return url }
        return nil
    }

    func detailLines(repo: RepoStatus, row: IssueRow, width: Int) -> [Line] {
        var lines: [Line] = []
        let cached = repo.cached[row.number]
        let live = repo.live?[row.number]
        lines.append([("#\(row.number) ", CellStyle(.header, bold: true)), (row.title, CellStyle(.normal, bold: true))])
        // In the busy view the build and the stuck marker are why the row is listed: they come first.
        let busyFirst = state.view == .busy
        if busyFirst, let busyLabel = row.busyLabel {
            lines += busyLines(repo: repo, row: row, busyLabel: busyLabel, width: width)
        }

        let diffText: (String, StyleRole)
        switch row.diff {
        case nil: diffText = ("live not loaded yet (r refreshes)", .dim)
        case .inSync?: diffText = ("cache in sync with live", .success)
        case .labelsDiffer?: diffText = ("labels differ: the cache is stale", .stale)
        case let .stateDiffers(c, l)?: diffText = ("state differs: \(c.rawValue) in cache, \(l.rawValue) live", .stale)
        case .onlyInCache?: diffText = ("only in cache: closed or deleted since it was cached", .stale)
        case .titleDiffers?: diffText = ("title differs: the cache has an older title", .stale)
        case .onlyLive?: diffText = ("only live: new since the cache was written", .stale)
        }
        lines.append([("diff    ", CellStyle(.dim)), (diffText.0, CellStyle(diffText.1))])
        if let consequence = row.consequence {
            // What it would cause and why it is stale come first: they are why the row is listed.
            lines += consequenceLines(consequence, repo: repo, row: row, cached: cached, live: live, width: width)
            lines += sightingLines(repo: repo, live: live, width: width)
        }
        let cachedLabels = cached?.labels
        let liveLabels = live?.labels
        lines.append([("cached  ", CellStyle(.dim)), (labelList(cachedLabels, missing: "not in cache"), .normal)])
        lines.append([("live    ", CellStyle(.dim)), (labelList(liveLabels, missing: repo.live == nil ? "not loaded" : "not open on GitHub"), .normal)])
        if let cachedLabels, let liveLabels {
            for label in cachedLabels where !liveLabels.contains(label) {
                lines.append([("  \(glyphs.onlyCached) \(label)", CellStyle(.error, bold: true)), ("  only cached", CellStyle(.dim))])
            }
            for label in liveLabels where !cachedLabels.contains(label) {
                lines.append([("  \(glyphs.onlyLive) \(label)", CellStyle(.success, bold: true)), ("  only live", CellStyle(.dim))])
            }
        }
        lines.append([("rule    ", CellStyle(.dim)), verdict(row.eligibility)])
        if !busyFirst, let busyLabel = row.busyLabel {
            lines += busyLines(repo: repo, row: row, busyLabel: busyLabel, width: width)
        }

        switch repo.dispatches[row.number] {
        case nil: break
        case .inFlight?:
            lines.append([("session ", CellStyle(.dim)), ("\(spinnerFrame) dispatching…", CellStyle(.dispatched))])
        case let .dispatched(receipt, at)?:
            var text = "\(glyphs.dispatched) dispatched \(Timestamp.format(at))"
            if let queue = receipt.queueID { text += " \(glyphs.separator) queue \(queue)" }
            if let url = receipt.buildURL { text += " \(glyphs.separator) \(url)" }
            lines.append([("session ", CellStyle(.dim)), (text, CellStyle(.dispatched, bold: true))])
        case let .skipped(reason)?:
            lines.append([("session ", CellStyle(.dim)), ("skipped: \(reason)", CellStyle(.notice))])
        case let .failed(failure)?:
            lines.append([("session ", CellStyle(.dim)), ("\(glyphs.failure) dispatch failed: \(failure.consoleText)", CellStyle(.error))])
        }
        if let record = repo.history[row.number] {
            var text = "\(record.workflow ?? "dispatch"): \(record.stepDescription) \(glyphs.separator) \(Timestamp.format(record.lastStepAt))"
            if let by = record.by { text += " by \(by)" }
            if let queue = record.queueID { text += " \(glyphs.separator) queue \(queue)" }
            if let url = record.buildURL { text += " \(glyphs.separator) \(url)" }
            lines.append([("history ", CellStyle(.dim)), (text, record.lastStep == .failed ? CellStyle(.error) : .normal)])
        }
        // The issue's page and its newest build's, each whole on a line of its own (o opens the
        // issue; terminals with OSC 8 make both clickable).
        let issueURL = live?.url ?? cached?.url ?? ""
        if !issueURL.isEmpty { lines.append([("links   ", CellStyle(.dim)), (issueURL, CellStyle(.normal))]) }
        if let build = newestBuildURL(repo: repo, number: row.number) {
            lines.append([(issueURL.isEmpty ? "links   " : "        ", CellStyle(.dim)), (build, CellStyle(.normal))])
        }

        lines.append([])
        guard state.showPreview else {
            lines.append([("p shows the dry-run plan", CellStyle(.dim))])
            return lines
        }
        lines.append([("Dry-run plan", CellStyle(.header, bold: true))])
        guard row.eligibility.route != nil else {
            lines.append([("  nothing to dispatch: \(row.eligibility.description)", CellStyle(.dim))])
            return lines
        }
        switch repo.previews[row.number] {
        case nil, .loading?:
            lines.append([("  \(spinnerFrame) planning…", CellStyle(.dim))])
        case let .failed(message)?:
            lines.append([("  \(glyphs.failure) \(message)", CellStyle(.error))])
        case let .ready(.skip(_, reason))?:
            lines.append([("  would be skipped: \(reason)", CellStyle(.notice, bold: true))])
        case let .ready(.ready(plan))?:
            lines += planLines(plan, width: width)
        }
        return lines
    }

    private func labelList(_ labels: [String]?, missing: String) -> String {
        guard let labels else { return "(\(missing))" }
        return labels.isEmpty ? "(none)" : labels.joined(separator: ", ")
    }

    private func verdict(_ eligibility: Eligibility) -> (String, CellStyle) {
        switch eligibility {
        case let .eligible(route):
            return ("eligible \(glyphs.arrow) \(route.workflow.rawValue)", CellStyle(.success, bold: true))
        case .conflict:
            return (eligibility.description, CellStyle(.conflict, bold: true))
        case .ineligible:
            return (eligibility.description, CellStyle(.dim))
        }
    }

    /// Every field of the plan; multi-line parameters (COMMAND) are shown in full, wrapped.
    private func planLines(_ plan: DispatchPlan, width: Int) -> [Line] {
        let key = CellStyle(.dim)
        var lines: [Line] = [
            [("  workflow  ", key), (plan.workflow.rawValue, .normal)],
            [("  branch    ", key), (plan.branch, .normal)],
            [("  job       ", key), (plan.jobPath, .normal)],
            [("  labels    ", key), ("\(plan.labelMove.remove) \(glyphs.arrow) \(plan.labelMove.add)", CellStyle(.dispatched))],
        ]
        let nameWidth = plan.parameters.map { DisplayWidth.of($0.name) }.max() ?? 0
        for parameter in plan.parameters {
            let valueLines = parameter.value.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
            if valueLines.count == 1, nameWidth + DisplayWidth.of(parameter.value) + 3 <= width {
                lines.append([("  " + DisplayWidth.fit(parameter.name, to: nameWidth) + " ", key), (parameter.value, .normal)])
                continue
            }
            lines.append([("  \(parameter.name)", key)])
            for valueLine in valueLines {
                for piece in DisplayWidth.wrap(valueLine, to: max(width - 4, 8)) {
                    lines.append([("    " + piece, .normal)])
                }
            }
        }
        return lines
    }
}
