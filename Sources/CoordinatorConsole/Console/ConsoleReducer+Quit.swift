import Foundation

/// Quitting while a write is in flight. Closing the console shuts the HTTP client down; a dispatch
/// cut off between its Jenkins request and its label move is finished by the next run, but the
/// operator who pressed `d` would not learn how it went. So `q` waits for the writes in flight
/// (the footer says which) and the console quits by itself when the last result arrives — unless
/// that result is a failure, which stays on screen to be read. Reads (refresh, preview, cache)
/// are not waited for: cutting them off loses nothing. Esc stays; Ctrl-C still leaves at once.
extension ConsoleState {
    /// The writes in flight, in the order they started: `the dispatch of #109`.
    var writesInFlight: [String] {
        running.filter { [.dispatch, .sync, .unstick].contains($0.key.kind) }
            .sorted { $0.value.id < $1.value.id }
            .map { entry in
                let key = entry.key
                switch key.kind {
                case .sync: return "the sync of \(key.repo)"
                case .unstick: return "the unstick of #\(key.issue.map(String.init) ?? "?")"
                default: return "the dispatch of #\(key.issue.map(String.init) ?? "?")"
                }
            }
    }

    /// The footer's line while the console waits to quit.
    public var quitWaitMessage: String? {
        let writes = writesInFlight
        guard quitting, !writes.isEmpty else { return nil }
        let list = writes.count == 1 ? writes[0] : writes.dropLast().joined(separator: ", ") + " and " + (writes.last ?? "")
        return "waiting for \(list) to finish before quitting (Esc stays, Ctrl-C quits now)"
    }

    /// `q`: quits now, or once the writes in flight have ended.
    mutating func askToQuit() -> [ConsoleEffect] {
        guard !writesInFlight.isEmpty else { return [.quit] }
        quitting = true
        return []
    }

    /// Keys while waiting to quit: `q` again changes nothing (the footer already says what is
    /// waited for), Esc stays, and no new write starts; the rest (moving, views) works as usual.
    /// nil lets the key through.
    mutating func handleKeyWhileQuitting(_ key: Key, keyMap: KeyMap) -> [ConsoleEffect]? {
        guard modal == nil, !isEditingFilter else { return nil }
        switch keyMap.intent(for: key) {
        case .quit?:
            return []
        case .dismissMessage?:
            quitting = false
            report(.notice, "not quitting")
            return []
        case .dispatchIssue?, .dispatchAllEligible?, .syncRepo?, .unstickIssue?:
            report(.notice, "quitting once the writes in flight end: no new one starts (Esc stays)")
            return []
        default:
            return nil
        }
    }

    /// After each action: once nothing is written any more, a pending quit happens, and the other
    /// effects (a cache re-read, a survey) are not started. A failure that arrived meanwhile stays
    /// on screen instead, with the quit called off.
    mutating func quitIfWritesEnded(_ effects: [ConsoleEffect], failureBefore: TaskResult?) -> [ConsoleEffect] {
        guard quitting, writesInFlight.isEmpty else { return effects }
        quitting = false
        if let result, result.kind == .failure, result != failureBefore {
            self.result?.message += " (not quitting, so this can be read: q quits)"
            return effects
        }
        return [.quit]
    }
}
