import Foundation

/// A store whose lock can be lost while its holder lives on: a database's lock goes with its
/// connection (cut by the server, a failover, the network), and the holder learns of it only at
/// its next statement. Meanwhile it still sends what its dispatch had next — the build request
/// after the intent, the label writes after the job start — which the next holder cannot see.
///
/// A lock file is held until its process dies, so a file store never conforms.
public protocol LosableLockStore: RepoStore {
    /// How long after its last record an unfinished dispatch is left alone, so that whatever its
    /// holder may still have on its way has landed before another holder settles it: asked too
    /// early, Jenkins has no job yet (a second one is started), or a label move is finished while
    /// the first holder's own move, or a person's next label, is landing.
    var requestInFlightAllowance: Duration { get }
}

extension LockedRepo {
    /// Why `number` is left alone for now: an unfinished dispatch of it whose last record is
    /// younger than the store's `requestInFlightAllowance`. Nil when the store's lock cannot be
    /// lost while its holder lives, or there is no such dispatch.
    func unsettledByAnotherHolder(issue number: Int, now: Date = Date()) -> DispatchFailure? {
        guard let store = service.store as? any LosableLockStore else { return nil }
        let allowance = store.requestInFlightAllowance.inSeconds
        let pending = service.history.current().unfinished.filter { $0.issue == number }
        guard let newest = pending.max(by: { $0.lastStepAt < $1.lastStepAt }) else { return nil }
        let age = now.timeIntervalSince(newest.lastStepAt)
        // A writer's clock ahead of ours makes the age negative: it is still young.
        guard age < allowance else { return nil }
        return DispatchFailure(
            issueNumber: number, stage: .unresolved,
            message: "dispatch \(newest.dispatchID)\(newest.by.map { " by \($0)" } ?? "") is unfinished (\(newest.lastStep.rawValue) \(String(format: "%.1f", max(0, age))) s ago) "
                + "and its holder may have lost the lock while it still had a request on its way; nothing was done, and the issue is taken up again once that is \(Int(allowance.rounded())) s old",
            jobStarted: false)
    }
}
