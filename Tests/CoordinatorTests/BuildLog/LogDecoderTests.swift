import Coordinator
import XCTest

/// The rules that make a build log safe for a terminal (`LogDecoder`, `renderANSI`).
final class LogDecoderTests: XCTestCase {
    private let red = LogStyle(foreground: 1)

    /// Every line the decoder makes of `pieces`, the unfinished last one included.
    private func decode(_ pieces: [[UInt8]]) -> [LogLine] {
        var decoder = LogDecoder()
        var lines = pieces.flatMap { decoder.feed($0) }
        if let last = decoder.flush() { lines.append(last) }
        return lines
    }

    private func decode(_ text: String) -> [LogLine] { decode([Array(text.utf8)]) }

    private func plain(_ text: String) -> [String] { decode(text).map(\.plain) }

    /// Every control a terminal could act on, none of which may survive.
    private func assertSafe(_ lines: [LogLine], file: StaticString = #filePath, line: UInt = #line) {
        for text in lines.map(\.plain) {
            for scalar in text.unicodeScalars {
                let v = scalar.value
                let dangerous = v < 0x20 || (0x7F...0x9F).contains(v) || [0x061C, 0x200E, 0x200F].contains(v)
                    || (0x202A...0x202E).contains(v) || (0x2066...0x2069).contains(v)
                XCTAssertFalse(dangerous, "U+\(String(v, radix: 16)) reached the output in \(String(reflecting: text))", file: file, line: line)
            }
        }
    }

    func testLinesEndAtLineFeedAndCarriageReturnLineFeed() {
        XCTAssertEqual(plain("one\ntwo\r\nthree\n"), ["one", "two", "three"])
        XCTAssertEqual(plain("\n\n"), ["", ""])
    }

    func testFeedReturnsOnlyCompleteLinesAndFlushTheRest() {
        var decoder = LogDecoder()
        XCTAssertEqual(decoder.feed(Array("done\npartial".utf8)).map(\.plain), ["done"])
        XCTAssertEqual(decoder.pending?.plain, "partial", "pending shows the unfinished line")
        XCTAssertEqual(decoder.pending?.plain, "partial", "and does not consume it")
        XCTAssertEqual(decoder.feed(Array(" line\n".utf8)).map(\.plain), ["partial line"])
        XCTAssertNil(decoder.flush(), "nothing unfinished")
        XCTAssertEqual(decoder.feed(Array("tail".utf8)), [])
        XCTAssertEqual(decoder.flush()?.plain, "tail")
        XCTAssertNil(decoder.flush(), "flush consumes the line")
    }

    func testAScalarSplitBetweenPiecesDecodesWhole() {
        let bytes = Array("€ and 😀".utf8)
        for cut in 1..<bytes.count {
            let lines = decode([Array(bytes[..<cut]), Array(bytes[cut...])])
            XCTAssertEqual(lines.map(\.plain), ["€ and 😀"], "cut at \(cut)")
        }
        // One byte at a time.
        XCTAssertEqual(decode(bytes.map { [$0] }).map(\.plain), ["€ and 😀"])
    }

    func testInvalidBytesBecomeReplacementCharacters() {
        XCTAssertEqual(decode([[0x61, 0xFF, 0x62, 0xC3, 0x28, 0x0A]]).map(\.plain), ["a\u{FFFD}b\u{FFFD}("])
        XCTAssertEqual(decode([[0xE2, 0x82]]).map(\.plain), ["\u{FFFD}"], "a scalar cut off by the end of the log")
        XCTAssertEqual(decode([[0xC0, 0xAF, 0xED, 0xA0, 0x80]]).map(\.plain).first?.unicodeScalars.allSatisfy { $0 == "\u{FFFD}" }, true,
                       "overlong forms and surrogates are invalid")
    }

    func testABareCarriageReturnKeepsWhatFollowsIt() {
        XCTAssertEqual(plain("10%\r50%\r100%\ndone\n"), ["100%", "done"])
        XCTAssertEqual(plain("progress 100%\r"), ["progress 100%"], "a trailing CR erases nothing")
        XCTAssertEqual(plain("abc\r\r\ndef"), ["abc", "def"])
        var decoder = LogDecoder()
        XCTAssertEqual(decoder.feed(Array("first\r".utf8)), [])
        XCTAssertEqual(decoder.feed(Array("second\n".utf8)).map(\.plain), ["second"], "a CR at the end of a piece still counts")
    }

    func testTabsExpandToTheNextMultipleOfEight() {
        XCTAssertEqual(plain("\tx\n"), ["        x"])
        XCTAssertEqual(plain("abc\tx\n"), ["abc     x"])
        XCTAssertEqual(plain("12345678\tx\n"), ["12345678        x"])
        XCTAssertEqual(plain("old\r\tx\n"), ["        x"], "after a CR the column starts again")
    }

    func testSGRSetsTheStyleOfTheTextAfterIt() {
        let lines = decode("plain \u{1B}[1;31mred bold\u{1B}[0m back\n")
        XCTAssertEqual(lines, [LogLine(spans: [
            LogSpan(text: "plain ", style: .plain),
            LogSpan(text: "red bold", style: LogStyle(foreground: 1, bold: true)),
            LogSpan(text: " back", style: .plain),
        ])])
        XCTAssertEqual(decode("\u{1B}[4;92;104mx\u{1B}[24;39;49my\n").first?.spans, [
            LogSpan(text: "x", style: LogStyle(foreground: 10, background: 12, underline: true)),
            LogSpan(text: "y", style: .plain),
        ])
        XCTAssertEqual(decode("\u{1B}[mx\n").first?.spans.first?.style, .plain, "an empty SGR resets")
    }

    func testExtendedColoursAreKeptOrMappedToTheBasicSixteen() {
        XCTAssertEqual(decode("\u{1B}[38;5;208mx\n").first?.spans.first?.style, LogStyle(foreground: 208))
        XCTAssertEqual(decode("\u{1B}[48:5:17mx\n").first?.spans.first?.style, LogStyle(background: 17))
        XCTAssertEqual(decode("\u{1B}[38;2;250;10;10mx\n").first?.spans.first?.style, LogStyle(foreground: 9), "truecolor red → bright red")
        XCTAssertEqual(decode("\u{1B}[38:2::0:0:0;1mx\n").first?.spans.first?.style, LogStyle(foreground: 0, bold: true))
        XCTAssertEqual(decode("\u{1B}[38;5;999mx\n").first?.spans.first?.style, .plain, "an impossible index changes nothing")
        XCTAssertEqual(decode("\u{1B}[38;5;99999999999999999999mx\n").first?.plain, "x", "huge numbers never trap")
    }

    func testTheStyleIsCarriedAcrossLines() {
        let lines = decode("\u{1B}[31mfirst\nsecond\u{1B}[0m\nthird\n")
        XCTAssertEqual(lines.map(\.spans), [
            [LogSpan(text: "first", style: red)],
            [LogSpan(text: "second", style: red)],
            [LogSpan(text: "third", style: .plain)],
        ])
    }

    func testAnEscapeSequenceSplitBetweenPiecesIsStillParsed() {
        let bytes = Array("a\u{1B}[1;31mb\u{1B}]2;title\u{07}c\n".utf8)
        for cut in 1..<bytes.count {
            let lines = decode([Array(bytes[..<cut]), Array(bytes[cut...])])
            XCTAssertEqual(lines, [LogLine(spans: [
                LogSpan(text: "a", style: .plain), LogSpan(text: "bc", style: LogStyle(foreground: 1, bold: true)),
            ])], "cut at \(cut)")
        }
    }

    func testOSCIsDroppedWhole() {
        XCTAssertEqual(plain("a\u{1B}]2;evil title\u{07}b\n"), ["ab"])
        XCTAssertEqual(plain("a\u{1B}]8;;https://x.example\u{1B}\\link\u{1B}]8;;\u{1B}\\b\n"), ["alinkb"])
        XCTAssertEqual(plain("a\u{1B}]52;c;ZXZpbA==\u{1B}[31mb\n"), ["ab"], "an ESC starting another sequence ends the string")
        XCTAssertEqual(plain("a\u{1B}Pq#0;2;0;0;0\u{1B}\\b\n"), ["ab"], "DCS too")
    }

    func testAnUnterminatedOSCIsBoundedAndTheTextAfterItShows() {
        XCTAssertEqual(plain("a\u{1B}]0;never ends\nnext line\n"), ["a", "next line"], "a line end gives the string up")
        let long = "a\u{1B}]0;" + String(repeating: "x", count: LogDecoder.maxSequenceLength + 10) + "visible\n"
        let lines = plain(long)
        XCTAssertEqual(lines.count, 1)
        XCTAssertTrue(lines[0].hasSuffix("visible"), "parsing resumes after the bound")
        XCTAssertLessThan(lines[0].count, 100)
    }

    func testAnEndlessCSIIsGivenUpAndTheTextAfterItShows() {
        let padding = String(repeating: " ", count: LogDecoder.maxSequenceLength + 10)
        let lines = plain("a\u{1B}[" + padding + "visible\n")
        XCTAssertEqual(lines.count, 1)
        XCTAssertTrue(lines[0].hasPrefix("a") && lines[0].hasSuffix("visible"), "parsing resumes after the bound")
        let digits = String(repeating: "1", count: LogDecoder.maxSequenceLength + 10)
        XCTAssertTrue(plain("\u{1B}[" + digits + "mshown\n")[0].hasSuffix("mshown"))
    }

    func testOtherCSISequencesAreDroppedWhole() {
        XCTAssertEqual(plain("a\u{1B}[2Jb\u{1B}[10;20Hc\u{1B}[?1049hd\u{1B}[?25le\u{1B}[6nf\n"), ["abcdef"])
        XCTAssertEqual(decode("\u{1B}[?31mx\n").first?.spans.first?.style, .plain, "a private sequence ending in m is no SGR")
        XCTAssertEqual(plain("a\u{1B}7b\u{1B}(0c\u{1B}cd\u{1B}Me\n"), ["abcde"], "two- and three-byte ESC sequences")
    }

    func testC1ControlsAndTheEightBitCSINeverReachTheTerminal() {
        let lines = decode("a\u{9B}2Jb\u{85}c\u{9D}0;t\u{07}d\n")
        XCTAssertEqual(lines.map(\.plain), ["a\u{FFFD}2Jb\u{FFFD}c\u{FFFD}0;t\u{FFFD}d"], "U+009B is shown as U+FFFD, never read as CSI")
        XCTAssertEqual(decode([[0x61, 0x9B, 0x32, 0x4A, 0x0A]]).map(\.plain), ["a\u{FFFD}2J"], "a raw 0x9b byte is invalid UTF-8")
        assertSafe(lines)
    }

    func testC0ControlsAndDeleteBecomeReplacementCharacters() {
        let lines = decode("a\u{00}b\u{07}c\u{08}d\u{7F}e\u{0C}f\n")
        XCTAssertEqual(lines.map(\.plain), ["a\u{FFFD}b\u{FFFD}c\u{FFFD}d\u{FFFD}e\u{FFFD}f"])
        assertSafe(lines)
    }

    func testBidiControlsBecomeReplacementCharacters() {
        let lines = decode("access\u{202E}level\u{2066}x\u{2069}\u{200F}\u{061C}\n")
        XCTAssertEqual(lines.map(\.plain), ["access\u{FFFD}level\u{FFFD}x\u{FFFD}\u{FFFD}\u{FFFD}"])
        assertSafe(lines)
    }

    func testALongLineIsCutIntoBoundedLines() {
        let max = LogDecoder.maxLineBytes
        let lines = decode(String(repeating: "é", count: max) + "\nafter\n")
        XCTAssertEqual(lines.count, 3, "two full lines of 2-byte scalars, then the next line")
        XCTAssertEqual(lines.map { $0.plain.utf8.count }, [max, max, 5])
        var decoder = LogDecoder()
        var total = 0
        for _ in 0..<40 {
            for line in decoder.feed(Array(repeating: UInt8(ascii: "x"), count: 10_000)) {
                XCTAssertLessThanOrEqual(line.plain.utf8.count, max)
                total += line.plain.utf8.count
            }
        }
        XCTAssertLessThanOrEqual(decoder.pending?.plain.utf8.count ?? 0, max)
        XCTAssertEqual(total + (decoder.flush()?.plain.utf8.count ?? 0), 400_000, "nothing is lost")
    }

    func testRandomBytesNeverReachTheTerminalUnsanitized() {
        var generator = SystemRandomNumberGenerator()
        var decoder = LogDecoder()
        var lines: [LogLine] = []
        for _ in 0..<200 {
            let piece = (0..<Int.random(in: 0...64, using: &generator)).map { _ in UInt8.random(in: 0...255, using: &generator) }
            lines += decoder.feed(piece)
        }
        if let last = decoder.flush() { lines.append(last) }
        assertSafe(lines)
        XCTAssertFalse(lines.contains { renderANSI($0, color: false).contains("\u{1B}") })
    }

    func testRenderANSIWritesOnlySGRAndResetsAtTheEnd() {
        let line = LogLine(spans: [
            LogSpan(text: "ok ", style: .plain),
            LogSpan(text: "fail", style: LogStyle(foreground: 9, bold: true)),
            LogSpan(text: "!", style: LogStyle(foreground: 208, background: 2, underline: true)),
        ])
        XCTAssertEqual(renderANSI(line, color: true), "ok \u{1B}[0;1;91mfail\u{1B}[0;4;38;5;208;42m!\u{1B}[0m")
        XCTAssertEqual(renderANSI(line, color: false), "ok fail!")
        let back = decode(renderANSI(line, color: true) + "\n")
        XCTAssertEqual(back, [line], "what renderANSI writes decodes to the same line")
    }
}
