import Coordinator

/// The human-readable text of a run report and of a dry-run plan.
enum RunReportText {
    static func render(_ report: RunReport, dryRun: Bool) -> String {
        var out = ""
        var dispatched = 0, recovered = 0, skipped = 0, failed = 0, notTried = 0
        for repo in report.repos {
            out += "\(repo.repoName): "
            if let error = repo.error {
                out += "ERROR \(error)\n"
                failed += 1
                continue
            }
            out += "cache \(repo.refresh?.rawValue ?? "?")\n"
            if let notice = repo.notice { out += "  notice: \(notice)\n" }
            for issue in repo.conflicts {
                out += "  #\(issue.number) conflict: holds a pickup and a busy label (\(issue.labels.joined(separator: ", "))); not dispatched\n"
            }
            for number in repo.finishing {
                out += "  #\(number) \(RunReportText.finishingText)\n"
            }
            for plan in repo.plans {
                switch plan {
                case let .ready(plan): out += planText(plan, indent: "  ")
                case let .skip(issue, reason):
                    out += "  #\(issue) would be skipped: \(reason)\n"
                    skipped += 1
                }
            }
            for outcome in repo.outcomes {
                out += "  \(outcome.summary)\n"
                switch outcome {
                case .dispatched: dispatched += 1
                case .recovered: recovered += 1
                case .skipped: skipped += 1
                case .failed: failed += 1
                }
            }
            if !repo.notTried.isEmpty {
                out += "  not tried: \(repo.notTried.map { "#\($0)" }.joined(separator: ", ")) (\(RunReportText.notTriedReason))\n"
                notTried += repo.notTried.count
            }
            if repo.plans.isEmpty && repo.outcomes.isEmpty && repo.finishing.isEmpty { out += "  nothing eligible\n" }
        }
        if dryRun {
            let planned = report.repos.flatMap(\.plans).filter { $0.plan != nil }.count
            let finishing = report.repos.flatMap(\.finishing).count
            out += "dry run: \(planned) would be dispatched"
            if finishing > 0 { out += ", \(finishing) interrupted would be finished" }
            out += ", \(skipped) skipped, \(failed) failed"
            if notTried > 0 { out += ", \(notTried) not tried" }
            out += "; nothing was changed"
            out += report.stoppedEarly ? " (a run stops at the first failure; --keep-going continues)\n" : "\n"
        } else {
            out += "\(dispatched) dispatched, \(recovered) recovered, \(skipped) skipped, \(failed) failed"
            out += report.stoppedEarly ? " (stopped at the first failure; --keep-going continues)\n" : "\n"
        }
        return out
    }

    /// A dry run's line for a conflict an interrupted dispatch left.
    static let finishingText = "would be finished: an interrupted dispatch left it half moved (the ledger has it); Jenkins is asked whether its job started"

    /// Why a dry run lists issues as not tried.
    static let notTriedReason = "a run stops at the first failure; with --keep-going it goes on"

    /// Every detail of a plan, COMMAND in full.
    static func planText(_ plan: DispatchPlan, indent: String) -> String {
        var out = "\(indent)#\(plan.issueNumber) \(plan.issueTitle)\n"
        let inner = indent + "    "
        out += "\(inner)workflow:  \(plan.workflow.rawValue)\n"
        out += "\(inner)branch:    \(plan.branch)\n"
        out += "\(inner)job:       \(plan.jobPath)\n"
        out += "\(inner)labels:    \(plan.labelMove.summary)\n"
        out += "\(inner)parameters:\n"
        for parameter in plan.parameters {
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
