/// A URL shown whole on one row: where a terminal that knows OSC 8 hyperlinks can make it
/// clickable.
public struct GridLink: Sendable, Equatable {
    public var row: Int
    public var column: Int
    public var url: String
}

extension Grid {
    /// A URL the painter drew (or may have drawn) in full. Only printable ASCII without spaces is
    /// taken: the URL is written into an escape sequence, so nothing in it may end or change one.
    public mutating func offerLink(_ url: String) {
        guard !url.isEmpty, url.utf8.count <= 2048, url.utf8.allSatisfy({ (0x21...0x7E).contains($0) }) else { return }
        linkTargets.insert(url)
    }

    /// Each place an offered URL stands whole on a row, bounded by the row's edge or a space (a
    /// URL cut with "…" or wrapped onto the next row is not one, so it gets no link).
    public var links: [GridLink] {
        guard !linkTargets.isEmpty else { return [] }
        var found: [GridLink] = []
        for row in 0..<size.rows {
            var characters: [Character] = []
            var columns: [Int] = []
            for column in 0..<size.columns where self[row, column].width != 0 {
                characters.append(self[row, column].character)
                columns.append(column)
            }
            for url in linkTargets.sorted() {
                let target = Array(url)
                guard target.count <= characters.count else { continue }
                var index = 0
                while index + target.count <= characters.count {
                    if characters[index] == target[0], Array(characters[index..<(index + target.count)]) == target {
                        let end = index + target.count
                        let boundedBefore = index == 0 || characters[index - 1] == " "
                        let boundedAfter = end == characters.count || characters[end] == " "
                        if boundedBefore, boundedAfter {
                            found.append(GridLink(row: row, column: columns[index], url: url))
                        }
                        index = end
                    } else {
                        index += 1
                    }
                }
            }
        }
        return found
    }
}

/// The OSC 8 sequences that turn `links` into hyperlinks over what is already on the screen: the
/// cursor saved, moved to each link, the link opened, its text written again (the same text the
/// cells hold, so the screen does not change), the link closed, the cursor restored.
public enum HyperlinkOverlay {
    public static func sequence(for links: [GridLink]) -> String {
        guard !links.isEmpty else { return "" }
        var out = "\u{1B}7"
        for link in links {
            out += "\u{1B}[\(link.row + 1);\(link.column + 1)H"
            out += "\u{1B}]8;;\(link.url)\u{1B}\\\(link.url)\u{1B}]8;;\u{1B}\\"
        }
        return out + "\u{1B}8"
    }

    /// Whether the terminal gets hyperlinks: only with colour on (not `--no-color`/`NO_COLOR`),
    /// not on terminals that show unknown sequences or have no use for them (the Linux console,
    /// VT-style terminals, `dumb`), and not when `COORDINATOR_HYPERLINKS=0`.
    public static func enabled(color: Bool, environment: [String: String]) -> Bool {
        guard color, environment["COORDINATOR_HYPERLINKS"] != "0" else { return false }
        let term = environment["TERM"] ?? ""
        let plain = ["dumb", "linux", "vt", "cons", "ansi"]
        return !term.isEmpty && !plain.contains { term.hasPrefix($0) }
    }
}
