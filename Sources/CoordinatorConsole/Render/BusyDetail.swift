import Coordinator
import Foundation

/// The detail pane's account of a busy issue: its busy label and since when, its build, whether
/// and why it is stuck, and where `u` would move it.
extension ScreenPainter {
    func busyLines(repo: RepoStatus, row: IssueRow, busyLabel: String, width: Int) -> [Line] {
        var lines: [Line] = []
        guard let surveyed = repo.busySurvey?.issue(row.number) else {
            let pending = repo.surveying ? "\(spinnerFrame) checking its build\(glyphs.ellipsis)" : "build not checked yet (the busy view checks it)"
            lines += labelled("busy    ", busyLabel, style: .normal, width: width)
            lines += labelled("build   ", pending, style: CellStyle(.dim), width: width)
            return lines + unstickHint(repo: repo, busyLabel: busyLabel, width: width)
        }
        var busy = busyLabel
        if let since = surveyed.busySince {
            busy += " for \(ElapsedText.duration(state.now.timeIntervalSince(since))) (since \(Timestamp.format(since))"
            switch surveyed.busySinceSource {
            case .ledger?: busy += ", from the ledger)"
            case .events?: busy += ", from GitHub's issue events)"
            case nil: busy += ")"
            }
        } else {
            busy += ", since unknown"
        }
        lines += labelled("busy    ", busy, style: .normal, width: width)
        if let build = surveyed.build {
            var text = "\(build.summary)"
            if let url = build.url { text += " \(glyphs.separator) \(url)" }
            if let by = surveyed.dispatchedBy { text += " \(glyphs.separator) dispatched by \(by)" }
            let failed = build.state.isFinished && build.state != .success
            lines += labelled("build   ", text, style: failed ? CellStyle(.error) : .normal, width: width)
        } else {
            lines += labelled("build   ", "none: the ledger has no dispatch that set this label", style: CellStyle(.dim), width: width)
        }
        if let stuck = surveyed.stuck {
            lines += labelled("stuck   ", "\(glyphs.failure) \(stuck)", style: CellStyle(.error, bold: true), width: width)
        } else {
            lines += labelled("stuck   ", "no", style: CellStyle(.success), width: width)
        }
        return lines + unstickHint(repo: repo, busyLabel: busyLabel, width: width)
    }

    private func unstickHint(repo: RepoStatus, busyLabel: String, width: Int) -> [Line] {
        let moves = repo.repo.unstickMoves[busyLabel] ?? [:]
        var choices: [String] = []
        if let pickup = moves[.pickup]?.move { choices.append("back to \(pickup.add)") }
        if let failure = moves[.failure]?.move { choices.append("on to \(failure.add)") }
        guard !choices.isEmpty else { return [] }
        return labelled("unstick ", "u: " + choices.joined(separator: ", or "), style: CellStyle(.dim), width: width)
    }
}
