import Foundation

extension RepoService {
    /// Writes what a busy survey learnt — history notes (build started / finished) and the
    /// busy-since notes when they changed — under the repository's lock, when it is free within a
    /// second: one wait for both, and a survey never queues behind a run. When a run holds the
    /// lock, the builds are learnt again and the busy-since notes written by a later survey (or
    /// asked again by the next process).
    func recordSurvey(history notes: [HistoryRecord], busySince: BusySinceNotes?) async throws {
        guard !notes.isEmpty || busySince != nil else { return }
        try store.ensureDirectory()
        let lock = try await RepoLock.acquire(path: store.lockPath, timeout: .seconds(1))
        defer { lock.release() }
        if !notes.isEmpty {
            for note in notes { try history.append(note) }
            history.maintain()
        }
        if let busySince {
            AtomicFile.removeStaleTempFiles(of: store.busySinceURL)
            try busySince.write(to: store.busySinceURL)
        }
    }
}
