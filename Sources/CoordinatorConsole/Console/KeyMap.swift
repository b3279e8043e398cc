/// What a key means outside of modals and the filter prompt. The reducer maps keys to intents
/// through `KeyMap`, so the `?` help and the footer hints are generated from the same data.
public enum ConsoleIntent: Hashable, Sendable {
    case moveDown, moveUp, moveTop, moveBottom, pageDown, pageUp
    case nextPane, previousPane, paneLeft, paneRight, focusDetail
    case refreshRepo, refreshAll
    case dispatchIssue, dispatchAllEligible, syncRepo, unstickIssue
    case togglePreview, startFilter, cycleView
    case showHelp, redraw, dismissMessage, quit
    case toggleHistory, openLink
    case openLog, toggleFollow, nextMatch, previousMatch
    case toggleMark
}

/// One row of the key map: the keys, what they do, and the help text.
public struct KeyBinding: Sendable, Equatable {
    public var keys: [Key]
    public var intent: ConsoleIntent
    public var help: String
    /// Shown in the footer's key hints when there is room, in this order.
    public var hint: String?
    /// The hint while the build log is shown, where the keys mean the log's moves.
    public var logHint: String?

    public init(_ keys: [Key], _ intent: ConsoleIntent, _ help: String, hint: String? = nil, logHint: String? = nil) {
        self.keys = keys
        self.intent = intent
        self.help = help
        self.hint = hint
        self.logHint = logHint
    }

    /// `j/↓` — how the keys are written in help.
    public var keyLabel: String { keys.map(\.label).joined(separator: "/") }
}

/// The console's key bindings, as data.
public struct KeyMap: Sendable, Equatable {
    public var bindings: [KeyBinding]

    public init(bindings: [KeyBinding]) {
        self.bindings = bindings
    }

    public func intent(for key: Key) -> ConsoleIntent? {
        bindings.first { $0.keys.contains(key) }?.intent
    }

    public func binding(for intent: ConsoleIntent) -> KeyBinding? {
        bindings.first { $0.intent == intent }
    }

    public static let standard = KeyMap(bindings: [
        KeyBinding([.char("j"), .down], .moveDown, "move down"),
        KeyBinding([.char("k"), .up], .moveUp, "move up"),
        KeyBinding([.char("g"), .home], .moveTop, "first row", logHint: "start"),
        KeyBinding([.char("G"), .end], .moveBottom, "last row", logHint: "end"),
        KeyBinding([.pageDown, .control("f")], .pageDown, "page down"),
        KeyBinding([.pageUp, .control("b")], .pageUp, "page up"),
        KeyBinding([.tab], .nextPane, "next pane"),
        KeyBinding([.backTab], .previousPane, "previous pane"),
        KeyBinding([.char("h"), .left], .paneLeft, "pane to the left (in the log: scroll left)"),
        KeyBinding([.right], .paneRight, "pane to the right (in the log: scroll right)"),
        KeyBinding([.enter], .focusDetail, "open the selection (repo → issues → detail)"),
        KeyBinding([.char("r")], .refreshRepo, "refresh the selected repo live (the cache is not written)", hint: "refresh"),
        KeyBinding([.char("R")], .refreshAll, "refresh every repo live"),
        KeyBinding([.char("d")], .dispatchIssue, "dispatch the selected issue (asks first)", hint: "dispatch"),
        KeyBinding([.char(" ")], .toggleMark, "mark or unmark the selected issue and move down (marks are per repo; Esc clears them)"),
        KeyBinding([.char("D")], .dispatchAllEligible, "dispatch every eligible issue of the repo, or the marked ones (asks first)"),
        KeyBinding([.char("s")], .syncRepo, "sync the repo's cache from live (asks first)", hint: "sync"),
        KeyBinding([.char("u")], .unstickIssue, "unstick the busy issue or the marked ones: back to pickup or on to failure label (asks first)"),
        KeyBinding([.char("p")], .togglePreview, "show or hide the dry-run plan", hint: "preview"),
        KeyBinding([.char("/")], .startFilter, "filter by number, title or label (in the log: search it)", hint: "filter", logHint: "search"),
        KeyBinding([.char("v")], .cycleView, "view: eligible → stale → busy → all cached", hint: "view"),
        KeyBinding([.char("H")], .toggleHistory, "history: every repo's dispatches and unsticks, newest first (Esc/H: back)"),
        KeyBinding([.char("l")], .openLog, "build log of the selected issue's newest dispatch (in the history: of that dispatch); Esc/l: back"),
        KeyBinding([.char("F")], .toggleFollow, "log: follow the running build (on when the log opens)", logHint: "follow"),
        KeyBinding([.char("n")], .nextMatch, "log: next line matching the search (/)", logHint: "next"),
        KeyBinding([.char("N")], .previousMatch, "log: previous line matching the search"),
        KeyBinding([.char("o")], .openLink, "open the issue (in the history and the log: its build) in the browser, else show its URL", logHint: "build page"),
        KeyBinding([.char("?")], .showHelp, "this help", hint: "help", logHint: "help"),
        KeyBinding([.control("l")], .redraw, "redraw the screen"),
        KeyBinding([.escape], .dismissMessage, "dismiss an error message; back from the detail or the log; clear the repo's marks", logHint: "back"),
        KeyBinding([.char("q")], .quit, "quit", hint: "quit", logHint: "quit"),
    ])
}
