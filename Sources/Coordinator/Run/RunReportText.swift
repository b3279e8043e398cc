/// The human-readable text of a run report and of a dry-run plan, from the report's document
/// (`RunReportDocument`): a local `run` and `run --dry-run --server`, whose document comes from
/// `serve`, print it with this one renderer.
public enum RunReportText {
    public static func render(_ document: RunReportDocument) -> String {
        var out = ""
        var dispatched = 0, recovered = 0, skipped = 0, failed = 0, notTried = 0, planned = 0, finishing = 0
        for repo in document.repos {
            out += "\(repo.name): "
            if let error = repo.error {
                out += "ERROR \(error)\n"
                failed += 1
                continue
            }
            // The refresh's own name (`notModified`), as the text always said it.
            out += "cache \(repo.refresh.map { RefreshKind(code: $0)?.rawValue ?? $0 } ?? "?")\n"
            if let notice = repo.notice { out += "  notice: \(notice)\n" }
            for conflict in repo.conflicts {
                out += "  #\(conflict.issue) conflict: holds a pickup and a busy label (\(conflict.labels.joined(separator: ", "))); not dispatched\n"
            }
            for entry in repo.issues {
                switch entry.outcome {
                case .planned:
                    out += planText(entry, indent: "  ")
                    planned += 1
                    continue
                case .finishing: finishing += 1
                case .dispatched: dispatched += 1
                case .recovered: recovered += 1
                case .skipped: skipped += 1
                case .failed: failed += 1
                }
                out += "  \(entry.summary)\n"
            }
            if !repo.notTried.isEmpty {
                out += "  not tried: \(repo.notTried.map { "#\($0)" }.joined(separator: ", ")) (\(RunReportText.notTriedReason))\n"
                notTried += repo.notTried.count
            }
            if repo.issues.isEmpty { out += "  nothing eligible\n" }
        }
        if document.dryRun {
            out += "dry run: \(planned) would be dispatched"
            if finishing > 0 { out += ", \(finishing) interrupted would be finished" }
            out += ", \(skipped) skipped, \(failed) failed"
            if notTried > 0 { out += ", \(notTried) not tried" }
            out += "; nothing was changed"
            out += document.stoppedEarly ? " (a run stops at the first failure; --keep-going continues)\n" : "\n"
        } else {
            out += "\(dispatched) dispatched, \(recovered) recovered, \(skipped) skipped, \(failed) failed"
            out += document.stoppedEarly ? " (stopped at the first failure; --keep-going continues)\n" : "\n"
        }
        return out
    }

    /// A dry run's line for a conflict an interrupted dispatch left.
    public static let finishingText = "would be finished: an interrupted dispatch left it half moved (the ledger has it); Jenkins is asked whether its job started"

    /// Why a dry run lists issues as not tried.
    public static let notTriedReason = "a run stops at the first failure; with --keep-going it goes on"

    /// Every detail of a planned issue, COMMAND in full.
    static func planText(_ plan: RunReportDocument.Entry, indent: String) -> String {
        var out = "\(indent)#\(plan.issue) \(plan.title ?? "")\n"
        let inner = indent + "    "
        out += "\(inner)workflow:  \(plan.workflow ?? "?")\n"
        out += "\(inner)branch:    \(plan.branch ?? "?")\n"
        out += "\(inner)job:       \(plan.jobPath ?? "?")\n"
        out += "\(inner)labels:    \(plan.labelMove?.summary ?? "?")\n"
        out += "\(inner)parameters:\n"
        for parameter in plan.parameters ?? [] {
            if parameter.value.contains("\n") {
                out += "\(inner)  \(parameter.name):\n"
                for line in parameter.value.split(separator: "\n", omittingEmptySubsequences: false) {
                    out += "\(inner)    \(line)\n"
                }
            } else {
                out += "\(inner)  \(parameter.name)=\(parameter.value)\n"
            }
        }
        return out
    }
}
