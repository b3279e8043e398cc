import Foundation

extension RepoService {
    /// Writes what a busy survey learnt — history notes (build started / finished) and the
    /// busy-since notes when they changed — under the repository's lock, when it is free within a
    /// second: one wait for both, and a survey never queues behind a run. When a run holds the
    /// lock, the builds are learnt again and the busy-since notes written by a later survey (or
    /// asked again by the next process).
    func recordSurvey(history notes: [HistoryRecord], busySince: BusySinceNotes?) async throws {
        guard !notes.isEmpty || busySince != nil else { return }
        try await store.withSession(timeout: .seconds(1)) { session in
            if !notes.isEmpty {
                for note in notes { try await session.append(note) }
                await session.maintain()
            }
            if let busySince { try await session.saveBusySince(busySince) }
        }
    }
}
