import Coordinator
import Foundation

/// The detail pane's account of a stale entry: what it would make a run inside the reuse window
/// do, and why it is stale in time — the issue's `updated_at` against the cache's cursor and last
/// check, whether the reuse window is open, and which refresh will bring the change in.
extension ScreenPainter {
    /// `key` then `value` wrapped at spaces, continuation lines indented under the value.
    func labelled(_ key: String, _ value: String, style: CellStyle, width: Int) -> [Line] {
        let indent = DisplayWidth.of(key)
        let pieces = DisplayWidth.wrapWords(value, to: max(width - indent, 8))
        return pieces.enumerated().map { offset, piece in
            [(offset == 0 ? key : String(repeating: " ", count: indent), CellStyle(.dim)), (piece, style)]
        }
    }

    func consequenceLines(_ consequence: StaleConsequence, repo: RepoStatus, row: IssueRow, cached: Issue?, live: Issue?, width: Int) -> [Line] {
        let rules = repo.repo.rules
        let cachedVerdict = cached.map { verdictWords(rules.classify($0)) } ?? "does not have it"
        let liveVerdict: String
        if let live {
            liveVerdict = verdictWords(rules.classify(live))
        } else {
            liveVerdict = repo.live == nil ? "not loaded" : "not open on GitHub"
        }
        let effect: String
        switch consequence {
        case .wouldDispatchAgain:
            effect = "a run in the reuse window plans it from the cache; only its live re-read stops it"
        case .wouldMiss:
            effect = "a run in the reuse window does not dispatch it"
        case .harmless:
            if case .titleDiffers? = row.diff {
                effect = "only the title changed: no run decides differently"
            } else {
                effect = "no run decides differently"
            }
        }
        return labelled("impact  ", "\(consequence): cache \(cachedVerdict); live \(liveVerdict)", style: consequenceStyle(consequence), width: width)
            + labelled("        ", effect, style: .normal, width: width)
    }

    /// `eligible → implement`, or the reason it is not (`no pickup label`, `closed`, a conflict).
    private func verdictWords(_ eligibility: Eligibility) -> String {
        switch eligibility {
        case let .eligible(route): return "eligible \(glyphs.arrow) \(route.workflow.rawValue)"
        case let .ineligible(reason): return reason.description
        case .conflict: return eligibility.description
        }
    }

    func sightingLines(repo: RepoStatus, live: Issue?, width: Int) -> [Line] {
        let policy = repo.repo.refreshPolicy
        let sighting = StaleSighting(live: live, times: repo.times, policy: policy, now: state.now)
        let times = sighting.times
        var lines: [Line] = []

        var updated: String
        if let at = sighting.updatedAt {
            updated = moment(at)
            var relations: [String] = []
            if let cursor = times.cursor { relations.append(at >= cursor ? "after the cursor" : "before the cursor") }
            if let after = sighting.changedSinceLastCheck { relations.append(after ? "after the last check" : "before the last check") }
            if !relations.isEmpty { updated += ", " + relations.joined(separator: " and ") }
        } else {
            updated = live == nil ? "unknown: not open on GitHub" : "unknown"
        }
        lines += labelled("updated ", updated, style: .normal, width: width)
        let cache = "cursor (since) \(times.cursor.map(Timestamp.format) ?? "none"), checked \(times.lastChecked.map(moment) ?? "never")"
        lines += labelled("cache   ", cache, style: .normal, width: width)

        let setting = "duplicate_window_seconds \(Int(policy.duplicateWindow))"
        let reuse: String
        if sighting.reuseWindowOpen, let ends = sighting.reuseWindowEnds {
            reuse = "reuse window open \(ElapsedText.duration(ends.timeIntervalSince(state.now))) more (\(setting)): a run now uses the cache as it is"
        } else if let ends = sighting.reuseWindowEnds {
            reuse = "reuse window closed \(ElapsedText.ago(ends, now: state.now)) (\(setting)): a run now asks GitHub first"
        } else {
            reuse = "never checked (\(setting)): a run now asks GitHub first"
        }
        lines += labelled("window  ", reuse, style: sighting.reuseWindowOpen ? CellStyle(.stale) : .normal, width: width)

        let next: String
        switch sighting.seenBy {
        case .nextIncremental:
            next = "the next incremental run sees it"
        case .nextFullRefresh:
            next = "the next run refreshes in full and sees it"
        case let .onlyFullRefresh(due):
            next = "only a full refresh will: it changed before the cursor" + fullRefresh(due)
        case let .closedOrDeleted(fullDue):
            next = "the next incremental run sees it if it was closed after the cursor; a deletion only a full refresh will" + fullRefresh(fullDue)
        }
        lines += labelled("next    ", next, style: .normal, width: width)
        return lines
    }

    /// `2026-11-24T10:00:00Z (42s ago)`.
    private func moment(_ date: Date) -> String {
        "\(Timestamp.format(date)) (\(age(since: date)))"
    }

    private func fullRefresh(_ due: Date?) -> String {
        guard let due else { return " (s syncs now)" }
        let when = due > state.now ? "due in \(ElapsedText.duration(due.timeIntervalSince(state.now)))" : "due now"
        return " (the next is \(when); s syncs now)"
    }
}
