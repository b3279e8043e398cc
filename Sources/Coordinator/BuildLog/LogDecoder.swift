/// Turns the untrusted bytes of a build log into lines that are safe to put on a terminal.
///
/// Feed it the log in pieces of any size, in order; it keeps what a piece leaves unfinished (half
/// a UTF-8 scalar, half an escape sequence, the current style, the unfinished line) for the next.
///
/// The rules, as a terminal would see the text, minus everything that could drive the terminal:
/// - UTF-8, decoded across pieces; invalid bytes become U+FFFD.
/// - `\n` and `\r\n` end a line. A bare `\r` (a progress bar redrawing itself) keeps only what
///   follows the last one, which is what a terminal shows once the line is done; a `\r` just
///   before the line end or the end of the log erases nothing.
/// - TAB becomes spaces up to the next multiple of 8 (columns count scalars).
/// - SGR (`ESC [ … m`) sets the style of the text after it, carried across lines as a terminal
///   carries it. Every other CSI sequence (cursor moves, `ESC [ 2 J`, …) is dropped whole; so are
///   OSC (`ESC ] … BEL` or `ESC ] … ESC \`, window titles, hyperlinks), DCS, SOS, PM and APC
///   strings, and every other `ESC` sequence. A string that runs longer than
///   `maxSequenceLength` scalars, or reaches a line end, is dropped and the text after it shows:
///   an unterminated sequence never swallows the rest of the log.
/// - Every other control character — C0 (but TAB, LF, CR), DEL, C1 (U+0080–U+009F, the 8-bit
///   CSI U+009B included: it is never read as a sequence) — and the bidirectional controls
///   (U+061C, U+200E, U+200F, U+202A–U+202E, U+2066–U+2069) become a visible U+FFFD, so the
///   reader sees that something was there, and the terminal never gets it.
/// - A line holds at most `maxLineBytes` bytes of UTF-8 text; a longer one is cut into several
///   lines, so memory stays bounded whatever the log holds.
public struct LogDecoder: Sendable {
    /// The longest line text, in UTF-8 bytes, before it is cut.
    public static let maxLineBytes = 64 * 1024
    /// The longest escape sequence or control string, in scalars, before it is given up.
    public static let maxSequenceLength = 4096

    private enum Mode: Sendable, Equatable {
        case text
        /// After `ESC`.
        case escape
        /// After `ESC` and intermediate bytes (0x20–0x2F), waiting for the final byte.
        case escapeIntermediate
        /// After `ESC [`: parameters so far, whether an intermediate or private marker was seen.
        case csi
        /// Inside an OSC, DCS, SOS, PM or APC string, waiting for BEL (OSC only) or ST.
        case controlString
        /// `ESC` inside a control string: `\` ends it.
        case controlStringEscape
    }

    private var utf8 = UTF8PieceDecoder()
    private var mode = Mode.text
    private var sequenceLength = 0
    private var csiParameters = ""
    private var csiIsSGR = true
    private var style = LogStyle.plain
    private var spans: [LogSpan] = []
    private var lineBytes = 0
    private var column = 0
    /// A bare `\r` was seen: the next printed text replaces the line so far.
    private var carriageReturn = false

    public init() {}

    /// Decodes the next piece of the log and returns the lines it completed, in order.
    public mutating func feed(_ bytes: some Sequence<UInt8>) -> [LogLine] {
        var lines: [LogLine] = []
        for byte in bytes {
            let (first, second) = utf8.decode(byte)
            if let first { handle(first, into: &lines) }
            if let second { handle(second, into: &lines) }
        }
        return lines
    }

    /// Ends the log: returns its unfinished last line, if it has one, and starts afresh on a new
    /// line. Half a UTF-8 scalar becomes U+FFFD; an unfinished escape sequence is dropped. The
    /// style stays, as on a terminal, so feeding more after `flush()` goes on as after a line end.
    ///
    /// A viewer following a running build does not call this between pieces (the line may go
    /// on); it shows `pending` instead.
    public mutating func flush() -> LogLine? {
        var cut: [LogLine] = []
        if let last = utf8.finish() { handle(last, into: &cut) }
        mode = .text
        sequenceLength = 0
        // Only a line already full can be cut by that last U+FFFD: the full line is the answer,
        // and the lone U+FFFD after it is let go rather than held beyond the end of the log.
        let line = cut.first ?? (spans.isEmpty ? nil : LogLine(spans: spans))
        startLine()
        return line
    }

    /// The unfinished last line as it stands, without consuming anything: what a viewer shows
    /// at the bottom while the build still writes. Nil when the current line is empty.
    public var pending: LogLine? {
        spans.isEmpty ? nil : LogLine(spans: spans)
    }

    // MARK: The state machine

    private mutating func handle(_ scalar: Unicode.Scalar, into lines: inout [LogLine]) {
        let value = scalar.value
        switch mode {
        case .text:
            text(scalar, into: &lines)
        case .escape:
            switch value {
            case 0x5B:  // [
                mode = .csi
                csiParameters = ""
                csiIsSGR = true
                sequenceLength = 0
            case 0x5D, 0x50, 0x58, 0x5E, 0x5F:  // ] P X ^ _
                mode = .controlString
                sequenceLength = 0
            case 0x20...0x2F:
                mode = .escapeIntermediate
                sequenceLength = 0
            case 0x30...0x7E:
                mode = .text
            default:
                // Not a sequence after all: the ESC is dropped, the scalar counts as text.
                mode = .text
                text(scalar, into: &lines)
            }
        case .escapeIntermediate:
            sequenceLength += 1
            switch value {
            case 0x20...0x2F: if sequenceLength > Self.maxSequenceLength { mode = .text }
            case 0x30...0x7E: mode = .text
            default:
                mode = .text
                text(scalar, into: &lines)
            }
        case .csi:
            sequenceLength += 1
            switch value {
            case 0x30...0x3F:
                // Digits, `;` and `:` make SGR parameters; `<=>?` mark a private sequence.
                if (0x3C...0x3F).contains(value) { csiIsSGR = false }
                if sequenceLength > 64 { csiIsSGR = false } else { csiParameters.unicodeScalars.append(scalar) }
                if sequenceLength > Self.maxSequenceLength { mode = .text }
            case 0x20...0x2F:
                csiIsSGR = false
                if sequenceLength > Self.maxSequenceLength { mode = .text }
            case 0x40...0x7E:
                if value == 0x6D, csiIsSGR { SelectGraphicRendition.apply(csiParameters, to: &style) }
                mode = .text
            default:
                // A byte no CSI holds: the sequence is given up and the scalar counts as text.
                mode = .text
                text(scalar, into: &lines)
            }
        case .controlString:
            sequenceLength += 1
            switch value {
            case 0x07, 0x9C:  // BEL, ST
                mode = .text
            case 0x1B:
                mode = .controlStringEscape
            case 0x0A:
                mode = .text
                text(scalar, into: &lines)
            default:
                if sequenceLength > Self.maxSequenceLength { mode = .text }
            }
        case .controlStringEscape:
            if value == 0x5C {  // \
                mode = .text
            } else {
                // Another sequence begins: the string ends unterminated.
                mode = .escape
                handle(scalar, into: &lines)
            }
        }
    }

    private mutating func text(_ scalar: Unicode.Scalar, into lines: inout [LogLine]) {
        switch scalar.value {
        case 0x0A:
            lines.append(LogLine(spans: spans))
            startLine()
        case 0x0D:
            carriageReturn = true
        case 0x1B:
            mode = .escape
        case 0x09:
            eraseAfterCarriageReturn()
            let spaces = 8 - column % 8
            for _ in 0..<spaces { append(" ", into: &lines) }
        case 0x00...0x1F, 0x7F...0x9F, 0x061C, 0x200E, 0x200F, 0x202A...0x202E, 0x2066...0x2069:
            append(UTF8PieceDecoder.replacement, into: &lines)
        default:
            append(scalar, into: &lines)
        }
    }

    /// What a bare `\r` means once text follows it: the line starts over.
    private mutating func eraseAfterCarriageReturn() {
        guard carriageReturn else { return }
        spans.removeAll()
        lineBytes = 0
        column = 0
        carriageReturn = false
    }

    private mutating func append(_ scalar: Unicode.Scalar, into lines: inout [LogLine]) {
        eraseAfterCarriageReturn()
        let size = UTF8.width(scalar)
        if lineBytes + size > Self.maxLineBytes {
            lines.append(LogLine(spans: spans))
            startLine()
        }
        if let last = spans.indices.last, spans[last].style == style {
            spans[last].text.unicodeScalars.append(scalar)
        } else {
            spans.append(LogSpan(text: String(scalar), style: style))
        }
        lineBytes += size
        column += 1
    }

    private mutating func startLine() {
        spans.removeAll()
        lineBytes = 0
        column = 0
        carriageReturn = false
    }
}
