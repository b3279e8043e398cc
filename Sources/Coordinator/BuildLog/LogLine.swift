/// A run of build log text in one style. `text` holds no control character and no escape
/// sequence: it is safe to put on a terminal as it is.
public struct LogSpan: Sendable, Equatable {
    public var text: String
    public var style: LogStyle

    public init(text: String, style: LogStyle) {
        self.text = text
        self.style = style
    }
}

/// One line of a build log, sanitized by `LogDecoder`, without its line end.
public struct LogLine: Sendable, Equatable {
    /// Neighbouring spans have different styles; an empty line has no span.
    public var spans: [LogSpan]

    public init(spans: [LogSpan]) {
        self.spans = spans
    }

    /// The line's text without its styles.
    public var plain: String { spans.map(\.text).joined() }
}
