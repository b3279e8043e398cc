@testable import CoordinatorConsole
@testable import CoordinatorTUI

/// Presses `keys` in order and returns the effects of all of them.
@discardableResult
func press(_ state: inout ConsoleState, _ keys: Key...) -> [ConsoleEffect] {
    keys.flatMap { reduce(&state, .keyPressed($0)) }
}

/// Types `text` one character at a time.
@discardableResult
func type(_ state: inout ConsoleState, _ text: String) -> [ConsoleEffect] {
    text.flatMap { reduce(&state, .keyPressed(.char($0))) }
}

extension ConsoleState {
    /// Issue numbers listed for the selected repo, in order.
    var listed: [Int] { currentRepo?.rows.map(\.number) ?? [] }
    var selectedNumber: Int? { selectedRow?.number }
}
