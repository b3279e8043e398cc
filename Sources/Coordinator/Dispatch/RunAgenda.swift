/// What a run takes up in one repository and in which order, decided before anything is sent:
/// the one planner behind `run`, `run --dry-run` and `serve`'s poll, so the dry run predicts
/// exactly what the run does (issue 15, item 5). Each eligible issue is then planned by
/// `RepoService.preview`, as the console's preview plans it.
///
/// Order (SPEC §6): the conflicts an interrupted dispatch left behind are finished first, then
/// the eligible issues by priority and number. When the batched lookup of linked branches failed,
/// each issue that needs a branch fails on its own ("linked branches could not be read") and the
/// others — a create-plan on the main branch — are still taken: without `--keep-going` the run
/// stops at the first failure, so what comes after it is not tried (the dry run says which); with
/// `--keep-going` it goes on.
public struct RunAgenda: Sendable {
    /// One issue the run takes up.
    public enum Item: Sendable, Equatable {
        /// A conflict the ledger says an interrupted dispatch left (`LockedRepo.isInterruptedDispatch`):
        /// the run finishes that dispatch rather than leaving it to the operator.
        case finishInterrupted(Issue)
        /// An eligible issue to plan and dispatch. `branches` are its linked branches when the
        /// batch resolved them (or a skip note remembered them); nil when its route needs none or
        /// GitHub did not resolve it, and then its own lookup asks once more.
        case dispatch(Issue, branches: [String]?)
        /// An eligible issue that needs its linked branches when the batched lookup failed: it
        /// fails without another request.
        case branchLookupFailed(DispatchFailure)

        public var issueNumber: Int {
            switch self {
            case let .finishInterrupted(issue), let .dispatch(issue, _): return issue.number
            case let .branchLookupFailed(failure): return failure.issueNumber
            }
        }
    }

    /// In the order the run takes them up.
    public var items: [Item]

    /// - Parameters:
    ///   - interrupted: the conflicts an interrupted dispatch left, in the order found.
    ///   - eligible: `WorkflowRules.eligible`, in dispatch order.
    ///   - branches: the batched lookup of the linked branches of the eligible issues whose route
    ///     needs them (remembered skips merged in), or its failure.
    public init(
        interrupted: [Issue], eligible: [(issue: Issue, route: WorkflowRoute)],
        branches: Result<[Int: [String]], any Error>
    ) {
        items = interrupted.map(Item.finishInterrupted)
        for (issue, route) in eligible {
            switch branches {
            case let .success(known):
                items.append(.dispatch(issue, branches: known[issue.number]))
            case let .failure(error) where DispatchPlanner.needsLinkedBranch(route):
                items.append(.branchLookupFailed(DispatchFailure(
                    issueNumber: issue.number, stage: .prepare, message: "linked branches could not be read: \(error)", jobStarted: false)))
            case .failure:
                items.append(.dispatch(issue, branches: nil))
            }
        }
    }

    /// What taking up the agenda came to: each item's result in order, and the issues not tried
    /// because the walk stopped first.
    public struct Walk<Step> {
        public var steps: [Step]
        public var notTried: [Int]
    }

    /// Takes the items up in order with `take`, stopping after the first step `isFailure` calls a
    /// failure unless `keepGoing`, and before an item once `stopping` says so (a service shutting
    /// down). The run dispatches each item; the dry run plans it.
    public func walk<Step>(
        keepGoing: Bool, stopping: () -> Bool = { false }, isFailure: (Step) -> Bool, take: (Item) async -> Step
    ) async -> Walk<Step> {
        var steps: [Step] = []
        for (index, item) in items.enumerated() {
            if stopping() { return Walk(steps: steps, notTried: items[index...].map(\.issueNumber)) }
            let step = await take(item)
            steps.append(step)
            if isFailure(step) && !keepGoing {
                return Walk(steps: steps, notTried: items[(index + 1)...].map(\.issueNumber))
            }
        }
        return Walk(steps: steps, notTried: [])
    }
}
