import Foundation

/// The cache file's bytes (SPEC §5), written and read by hand.
///
/// Foundation's `JSONEncoder`/`JSONDecoder` went through `Any` boxes and `Codable` containers and
/// took about 0.4 s each way for 10 000 issues, longer than Python's `json` module for the same
/// file. No JSON package among the project's dependencies or the machine's mirrored packages is
/// faster than a reader that knows the one shape it reads, so this is that reader.
///
/// Writing produces exactly what `JSONEncoder` with `.prettyPrinted, .sortedKeys,
/// .withoutEscapingSlashes` produced before (same keys, order, spacing, escapes), so a cache saved
/// by either version is byte-identical and the file stays diff-friendly.
///
/// Reading is as lenient as the `Codable` decoder was: unknown keys are skipped, missing optional
/// fields take defaults, the older shape (only `last_checked` and `issues`) reads, an unreadable
/// `list_validator` is dropped, and the first of two equal keys wins. Anything else that is not a
/// cache — invalid JSON or UTF-8, a wrong type, a number that is no `Int`, nesting past 512 levels —
/// throws `IssueCacheCodec.Corrupt` with a reason for the operator. Nothing in a file can trap.
enum IssueCacheCodec {
    /// Why a file is not a cache, in the words `IssueCacheStore.read()` reports.
    struct Corrupt: Error, Equatable {
        var reason: String
    }

    // MARK: - Writing

    static func encode(_ cache: IssueCache) -> Data {
        var out = Writer()
        out.bytes.reserveCapacity(256 + cache.issues.count * 640)
        out.write(cache)
        return Data(out.bytes)
    }

    private struct Writer {
        var bytes: [UInt8] = []

        mutating func raw(_ text: StaticString) {
            text.withUTF8Buffer { bytes.append(contentsOf: $0) }
        }

        mutating func write(_ cache: IssueCache) {
            // Keys in byte order, as `.sortedKeys` wrote them; issues keyed by their number's decimal text.
            raw("{\n  \"issues\" : {")
            let entries = cache.issues.map { (key: String($0.key), issue: $0.value) }.sorted { $0.key < $1.key }
            if entries.isEmpty {
                raw("\n\n  }")
            } else {
                for (index, entry) in entries.enumerated() {
                    raw(index == 0 ? "\n    " : ",\n    ")
                    string(entry.key)
                    raw(" : {\n      \"assignees\" : ")
                    strings(entry.issue.assignees, indent: "      ")
                    raw(",\n      \"body\" : ")
                    string(entry.issue.body)
                    raw(",\n      \"created_at\" : ")
                    time(entry.issue.createdAt)
                    raw(",\n      \"labels\" : ")
                    strings(entry.issue.labels, indent: "      ")
                    raw(",\n      \"locked\" : ")
                    raw(entry.issue.locked ? "true" : "false")
                    raw(",\n      \"number\" : ")
                    integer(entry.issue.number)
                    raw(",\n      \"state\" : ")
                    string(entry.issue.state.rawValue)
                    raw(",\n      \"title\" : ")
                    string(entry.issue.title)
                    raw(",\n      \"updated_at\" : ")
                    time(entry.issue.updatedAt)
                    raw(",\n      \"url\" : ")
                    string(entry.issue.url)
                    raw(",\n      \"user\" : ")
                    string(entry.issue.user)
                    raw("\n    }")
                }
                raw("\n  }")
            }
            raw(",\n  \"last_checked\" : ")
            time(cache.lastChecked)
            raw(",\n  \"last_full_refresh\" : ")
            time(cache.lastFullRefresh)
            if let validator = cache.listValidator {
                raw(",\n  \"list_validator\" : {\n    \"etag\" : ")
                string(validator.etag)
                raw(",\n    \"url\" : ")
                string(validator.url)
                raw("\n  }")
            }
            raw(",\n  \"updates_covered_through\" : ")
            time(cache.updatesCoveredThrough)
            raw(",\n  \"version\" : ")
            integer(IssueCache.currentVersion)
            raw("\n}")
        }

        /// `[\n  "a",\n  "b"\n]` one level deeper than `indent`; an empty list as `[\n\n]`, the way
        /// `JSONEncoder` wrote it.
        mutating func strings(_ list: [String], indent: StaticString) {
            raw("[")
            for (index, item) in list.enumerated() {
                raw(index == 0 ? "\n" : ",\n")
                raw(indent)
                raw("  ")
                string(item)
            }
            raw(list.isEmpty ? "\n\n" : "\n")
            raw(indent)
            raw("]")
        }

        mutating func integer(_ value: Int) {
            if value < 0 { bytes.append(UInt8(ascii: "-")) }
            var magnitude = value.magnitude
            var digits = 1
            var scale: UInt = 1
            while magnitude / scale >= 10 {
                scale *= 10
                digits += 1
            }
            for _ in 0..<digits {
                bytes.append(UInt8(truncatingIfNeeded: magnitude / scale) &+ 48)
                magnitude %= scale
                scale /= 10
            }
        }

        mutating func twoDigits(_ value: Int) {
            bytes.append(UInt8(truncatingIfNeeded: value / 10) &+ 48)
            bytes.append(UInt8(truncatingIfNeeded: value % 10) &+ 48)
        }

        /// `Timestamp.format` without `String(format:)`, which cost more than the rest of the
        /// encoding together; years outside 0...9999 (never real) take `Timestamp.format` itself.
        mutating func time(_ date: Date?) {
            guard let date else { return raw("null") }
            let interval = date.timeIntervalSince1970
            if interval.isFinite, abs(interval) < 253_402_300_800 {
                let seconds = Int64(interval.rounded(.down))
                let days = seconds >= 0 ? seconds / 86400 : (seconds - 86399) / 86400
                let secondOfDay = Int(seconds - days * 86400)
                let (year, month, day) = Timestamp.civil(fromDays: days)
                if (0...9999).contains(year) {
                    bytes.append(UInt8(ascii: "\""))
                    twoDigits(year / 100)
                    twoDigits(year % 100)
                    bytes.append(UInt8(ascii: "-"))
                    twoDigits(month)
                    bytes.append(UInt8(ascii: "-"))
                    twoDigits(day)
                    bytes.append(UInt8(ascii: "T"))
                    twoDigits(secondOfDay / 3600)
                    bytes.append(UInt8(ascii: ":"))
                    twoDigits((secondOfDay / 60) % 60)
                    bytes.append(UInt8(ascii: ":"))
                    twoDigits(secondOfDay % 60)
                    bytes.append(UInt8(ascii: "Z"))
                    bytes.append(UInt8(ascii: "\""))
                    return
                }
            }
            string(Timestamp.format(date))
        }

        /// A JSON string: `"` and `\` escaped, control characters as `\n`-style or `\u00xx` escapes,
        /// everything else (`/`, non-ASCII) as its UTF-8 bytes.
        mutating func string(_ text: String) {
            var text = text
            bytes.append(UInt8(ascii: "\""))
            text.withUTF8 { utf8 in
                var runStart = 0
                for index in utf8.indices {
                    let byte = utf8[index]
                    guard byte < 0x20 || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") else { continue }
                    bytes.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[runStart..<index]))
                    runStart = index + 1
                    switch byte {
                    case UInt8(ascii: "\""): raw("\\\"")
                    case UInt8(ascii: "\\"): raw("\\\\")
                    case 0x0A: raw("\\n")
                    case 0x0D: raw("\\r")
                    case 0x09: raw("\\t")
                    case 0x08: raw("\\b")
                    case 0x0C: raw("\\f")
                    default:
                        raw("\\u00")
                        bytes.append(hexDigit(byte >> 4))
                        bytes.append(hexDigit(byte & 0x0F))
                    }
                }
                bytes.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[runStart...]))
            }
            bytes.append(UInt8(ascii: "\""))
        }

        func hexDigit(_ nibble: UInt8) -> UInt8 {
            nibble < 10 ? nibble &+ 48 : nibble &+ 87
        }
    }

    // MARK: - Reading

    static func decode(_ data: Data) throws(Corrupt) -> IssueCache {
        let result: Result<IssueCache, Corrupt> = data.withUnsafeBytes { raw in
            var reader = Reader(raw.bindMemory(to: UInt8.self))
            do throws(Corrupt) {
                return .success(try reader.document())
            } catch {
                return .failure(error)
            }
        }
        return try result.get()
    }

    /// The known keys of the cache and of an issue. Recognised by their bytes, so reading a key
    /// allocates nothing.
    private enum Key {
        static let issues = Array("issues".utf8)
        static let lastChecked = Array("last_checked".utf8)
        static let lastFullRefresh = Array("last_full_refresh".utf8)
        static let updatesCoveredThrough = Array("updates_covered_through".utf8)
        static let listValidator = Array("list_validator".utf8)
        static let number = Array("number".utf8)
        static let title = Array("title".utf8)
        static let body = Array("body".utf8)
        static let state = Array("state".utf8)
        static let labels = Array("labels".utf8)
        static let assignees = Array("assignees".utf8)
        static let user = Array("user".utf8)
        static let createdAt = Array("created_at".utf8)
        static let updatedAt = Array("updated_at".utf8)
        static let url = Array("url".utf8)
        static let locked = Array("locked".utf8)
        static let etag = Array("etag".utf8)
    }

    /// The JSON value kinds, named as the reasons name them.
    private enum Kind: String {
        case object = "an object", array = "an array", string = "a string", number = "a number"
        case bool = "true or false", null = "null"
    }

    private struct Reader {
        let bytes: UnsafeBufferPointer<UInt8>
        var index = 0
        /// Unescaped bytes of the string being read; reused so escapes cost no allocation each.
        var scratch: [UInt8] = []
        /// `JSONSerialization`'s limit: deeper nesting was "not valid JSON" before, and stays so.
        static let maximumDepth = 512

        init(_ bytes: UnsafeBufferPointer<UInt8>) {
            self.bytes = bytes
        }

        // MARK: Shape

        mutating func document() throws(Corrupt) -> IssueCache {
            // A UTF-8 byte order mark was accepted before; keep accepting it.
            if bytes.count >= 3, bytes[0] == 0xEF, bytes[1] == 0xBB, bytes[2] == 0xBF { index = 3 }
            skipWhitespace()
            guard index < bytes.count else { throw invalid("the file is empty") }
            guard bytes[index] == UInt8(ascii: "{") else {
                _ = try skipValue(level: 1)
                try end()
                throw Corrupt(reason: "the top level is not a JSON object")
            }
            var cache = IssueCache()
            var seen: Set<String> = []
            var times: [(key: String, text: String)] = []
            var validatorRange: Range<Int>?
            try object(level: 1) { (reader: inout Reader, key: Range<Int>) throws(Corrupt) in
                let name = reader.keyText(key)
                guard seen.insert(name).inserted else {
                    try reader.skipValue(level: 2)
                    return
                }
                switch name {
                case "issues":
                    switch try reader.peekKind() {
                    case .null: reader.index += 4
                    case .object: cache.issues = try reader.issues()
                    case let kind: throw reader.mismatch("an object", found: kind, at: name)
                    }
                case "last_checked", "last_full_refresh", "updates_covered_through":
                    if let text = try reader.optionalString(at: name) { times.append((name, text)) }
                case "list_validator":
                    let start = reader.index
                    try reader.skipValue(level: 2)
                    validatorRange = start..<reader.index
                default:
                    try reader.skipValue(level: 2)
                }
            }
            try end()
            for (key, text) in times {
                guard let date = Timestamp.parse(text) else {
                    throw Corrupt(reason: "'\(text)' is not an ISO-8601 time at \(key)")
                }
                switch key {
                case "last_checked": cache.lastChecked = date
                case "last_full_refresh": cache.lastFullRefresh = date
                default: cache.updatesCoveredThrough = date
                }
            }
            if let validatorRange {
                // A validator we cannot read costs one unconditional request, never the cache.
                var validator = Reader(UnsafeBufferPointer(rebasing: bytes[validatorRange]))
                cache.listValidator = try? validator.listValidator()
            }
            return cache
        }

        mutating func issues() throws(Corrupt) -> [Int: Issue] {
            var issues: [Int: Issue] = [:]
            try object(level: 2) { (reader: inout Reader, key: Range<Int>) throws(Corrupt) in
                guard try reader.peekKind() == .object else {
                    throw reader.mismatch("an object", found: try reader.peekKind(), at: "issues.\(reader.keyText(key))")
                }
                let issue = try reader.issue(key: key)
                // Two entries for one number: the first stays, as the first of two equal keys did.
                if issues[issue.number] == nil { issues[issue.number] = issue }
            }
            return issues
        }

        mutating func issue(key: Range<Int>) throws(Corrupt) -> Issue {
            var number: Int?
            var title: String?, body: String?, user: String?, url: String?, state: String?
            var labels: [String]?, assignees: [String]?
            var createdAt: String?, updatedAt: String?
            var locked: Bool?
            // Which fields were read, so the first of two equal keys wins, as it did with `JSONDecoder`.
            var seen: UInt16 = 0
            func first(_ bit: UInt16) -> Bool {
                defer { seen |= bit }
                return seen & bit == 0
            }
            // Built only for a reason, from the buffer rather than the reader being advanced.
            let all = bytes
            func path(_ field: [UInt8]) -> String {
                "issues.\(Self.keyText(key, in: all)).\(String(decoding: field, as: UTF8.self))"
            }
            try object(level: 3) { (reader: inout Reader, name: Range<Int>) throws(Corrupt) in
                if reader.matches(name, Key.number), first(1) {
                    number = try reader.integer(at: path(Key.number))
                } else if reader.matches(name, Key.title), first(2) {
                    title = try reader.optionalString(at: path(Key.title))
                } else if reader.matches(name, Key.body), first(4) {
                    body = try reader.optionalString(at: path(Key.body))
                } else if reader.matches(name, Key.state), first(8) {
                    state = try reader.optionalString(at: path(Key.state))
                } else if reader.matches(name, Key.labels), first(16) {
                    labels = try reader.optionalStrings(at: path(Key.labels))
                } else if reader.matches(name, Key.assignees), first(32) {
                    assignees = try reader.optionalStrings(at: path(Key.assignees))
                } else if reader.matches(name, Key.user), first(64) {
                    user = try reader.optionalString(at: path(Key.user))
                } else if reader.matches(name, Key.createdAt), first(128) {
                    createdAt = try reader.optionalString(at: path(Key.createdAt))
                } else if reader.matches(name, Key.updatedAt), first(256) {
                    updatedAt = try reader.optionalString(at: path(Key.updatedAt))
                } else if reader.matches(name, Key.url), first(512) {
                    url = try reader.optionalString(at: path(Key.url))
                } else if reader.matches(name, Key.locked), first(1024) {
                    locked = try reader.optionalBool(at: path(Key.locked))
                } else {
                    try reader.skipValue(level: 4)
                }
            }
            guard let number else { throw Corrupt(reason: "missing key 'number' at issues.\(keyText(key))") }
            return Issue(
                number: number, title: title ?? "", body: body ?? "",
                state: IssueState(rawValue: (state ?? "open").lowercased()) ?? .open,
                labels: labels ?? [], assignees: assignees ?? [], user: user ?? "",
                createdAt: createdAt.flatMap(Self.time), updatedAt: updatedAt.flatMap(Self.time),
                url: url ?? "", locked: locked ?? false)
        }

        /// `ListValidator`'s synthesized decoding: both keys required, both strings.
        mutating func listValidator() throws(Corrupt) -> ListValidator {
            skipWhitespace()
            guard try peekKind() == .object else { throw Corrupt(reason: "list_validator") }
            var url: String?, etag: String?
            try object(level: 1) { (reader: inout Reader, name: Range<Int>) throws(Corrupt) in
                if reader.matches(name, Key.url), url == nil {
                    url = try reader.string()
                } else if reader.matches(name, Key.etag), etag == nil {
                    etag = try reader.string()
                } else {
                    try reader.skipValue(level: 2)
                }
            }
            guard let url, let etag else { throw Corrupt(reason: "list_validator") }
            return ListValidator(url: url, etag: etag)
        }

        /// The common `2026-11-24T10:00:00Z` without building a formatter; any other ISO-8601
        /// shape through `Timestamp.parse`. Unreadable issue times are nil, as they were.
        static func time(_ text: String) -> Date? {
            Timestamp.parse(text)
        }

        // MARK: Typed values

        mutating func optionalString(at path: @autoclosure () -> String) throws(Corrupt) -> String? {
            switch try peekKind() {
            case .string: return try string()
            case .null:
                index += 4
                return nil
            case let kind: throw mismatch("a string", found: kind, at: path())
            }
        }

        mutating func optionalStrings(at path: @autoclosure () -> String) throws(Corrupt) -> [String]? {
            switch try peekKind() {
            case .array: break
            case .null:
                index += 4
                return nil
            case let kind: throw mismatch("an array", found: kind, at: path())
            }
            index += 1
            var list: [String] = []
            skipWhitespace()
            if index < bytes.count, bytes[index] == UInt8(ascii: "]") {
                index += 1
                return list
            }
            while true {
                skipWhitespace()
                let kind = try peekKind()
                guard kind == .string else { throw mismatch("a string", found: kind, at: "\(path())[\(list.count)]") }
                list.append(try string())
                skipWhitespace()
                guard index < bytes.count else { throw invalid("the file ends inside an array") }
                let byte = bytes[index]
                index += 1
                if byte == UInt8(ascii: "]") { return list }
                guard byte == UInt8(ascii: ",") else { throw unexpected(byte, at: index - 1) }
                skipWhitespace()
                // `JSONSerialization` let a trailing comma through before.
                if index < bytes.count, bytes[index] == UInt8(ascii: "]") {
                    index += 1
                    return list
                }
            }
        }

        mutating func optionalBool(at path: @autoclosure () -> String) throws(Corrupt) -> Bool? {
            switch try peekKind() {
            case .bool:
                let value = bytes[index] == UInt8(ascii: "t")
                index += value ? 4 : 5
                return value
            case .null:
                index += 4
                return nil
            case let kind: throw mismatch("true or false", found: kind, at: path())
            }
        }

        /// An issue number: an integer, or a number with a fraction or exponent whose value is a
        /// whole `Int` (`5.0`, `1e2`), as `JSONDecoder` took it. Anything past `Int` is corrupt.
        mutating func integer(at path: @autoclosure () -> String) throws(Corrupt) -> Int {
            let kind = try peekKind()
            guard kind == .number else { throw mismatch("an integer", found: kind, at: path()) }
            let start = index
            let isInteger = try number()
            let text = UnsafeBufferPointer(rebasing: bytes[start..<index])
            if isInteger {
                var value = 0
                let negative = text[0] == UInt8(ascii: "-")
                for digit in text.dropFirst(negative ? 1 : 0) {
                    let (shifted, overflow1) = value.multipliedReportingOverflow(by: 10)
                    let (next, overflow2) = negative
                        ? shifted.subtractingReportingOverflow(Int(digit &- 48))
                        : shifted.addingReportingOverflow(Int(digit &- 48))
                    guard !overflow1, !overflow2 else { throw notAnInt(text, at: path()) }
                    value = next
                }
                return value
            }
            guard let double = Double(String(decoding: text, as: UTF8.self)), let value = Int(exactly: double) else {
                throw notAnInt(text, at: path())
            }
            return value
        }

        func notAnInt(_ text: UnsafeBufferPointer<UInt8>, at path: String) -> Corrupt {
            Corrupt(reason: "\(String(decoding: text.prefix(40), as: UTF8.self)) is not a whole number that fits an Int at \(path)")
        }

        // MARK: JSON syntax

        /// Reads `{ "key": value, ... }`; `member` reads (or skips) each value, with the key's
        /// raw byte range between the quotes.
        mutating func object(level: Int, _ member: (inout Reader, Range<Int>) throws(Corrupt) -> Void) throws(Corrupt) {
            guard level <= Self.maximumDepth else { throw invalid("nested deeper than \(Self.maximumDepth) levels") }
            index += 1
            skipWhitespace()
            if index < bytes.count, bytes[index] == UInt8(ascii: "}") {
                index += 1
                return
            }
            while true {
                skipWhitespace()
                guard index < bytes.count else { throw invalid("the file ends inside an object") }
                guard bytes[index] == UInt8(ascii: "\"") else { throw unexpected(bytes[index], at: index) }
                let key = try keyRange()
                skipWhitespace()
                guard index < bytes.count else { throw invalid("the file ends inside an object") }
                guard bytes[index] == UInt8(ascii: ":") else { throw unexpected(bytes[index], at: index) }
                index += 1
                skipWhitespace()
                try member(&self, key)
                skipWhitespace()
                guard index < bytes.count else { throw invalid("the file ends inside an object") }
                let byte = bytes[index]
                index += 1
                if byte == UInt8(ascii: "}") { return }
                guard byte == UInt8(ascii: ",") else { throw unexpected(byte, at: index - 1) }
                skipWhitespace()
                // `JSONSerialization` let a trailing comma through before.
                if index < bytes.count, bytes[index] == UInt8(ascii: "}") {
                    index += 1
                    return
                }
            }
        }

        /// A key's bytes between the quotes, checked like any string. Keys with escapes are rare;
        /// their range still holds the escaped text, which `keyText` decodes.
        mutating func keyRange() throws(Corrupt) -> Range<Int> {
            let start = index + 1
            try checkString()
            return start..<(index - 1)
        }

        /// True when the key at `range` is `name`. An escaped key never matches a known one
        /// byte for byte; it is compared as text.
        func matches(_ range: Range<Int>, _ name: [UInt8]) -> Bool {
            if range.count == name.count, bytes[range].elementsEqual(name) { return true }
            return bytes[range].contains(UInt8(ascii: "\\")) && keyText(range).utf8.elementsEqual(name)
        }

        /// The text of a key already read and validated.
        func keyText(_ range: Range<Int>) -> String {
            Self.keyText(range, in: bytes)
        }

        static func keyText(_ range: Range<Int>, in bytes: UnsafeBufferPointer<UInt8>) -> String {
            var copy = Reader(UnsafeBufferPointer(rebasing: bytes[(range.lowerBound - 1)..<(range.upperBound + 1)]))
            return (try? copy.string()) ?? ""
        }

        /// Checks one value of any kind and moves past it; `level` counts the containers it would
        /// be the innermost of (the top-level object is 1).
        @discardableResult
        mutating func skipValue(level: Int) throws(Corrupt) -> Kind {
            let kind = try peekKind()
            switch kind {
            case .object:
                try object(level: level) { (reader: inout Reader, _) throws(Corrupt) in
                    try reader.skipValue(level: level + 1)
                }
            case .array:
                guard level <= Self.maximumDepth else { throw invalid("nested deeper than \(Self.maximumDepth) levels") }
                index += 1
                skipWhitespace()
                if index < bytes.count, bytes[index] == UInt8(ascii: "]") {
                    index += 1
                    return kind
                }
                while true {
                    skipWhitespace()
                    try skipValue(level: level + 1)
                    skipWhitespace()
                    guard index < bytes.count else { throw invalid("the file ends inside an array") }
                    let byte = bytes[index]
                    index += 1
                    if byte == UInt8(ascii: "]") { break }
                    guard byte == UInt8(ascii: ",") else { throw unexpected(byte, at: index - 1) }
                    skipWhitespace()
                    if index < bytes.count, bytes[index] == UInt8(ascii: "]") {
                        index += 1
                        break
                    }
                }
            case .string: try checkString()
            case .number: _ = try number()
            case .bool: index += bytes[index] == UInt8(ascii: "t") ? 4 : 5
            case .null: index += 4
            }
            return kind
        }

        /// What the next value is, by its first byte; literals are checked whole here so callers
        /// can step over them by length.
        mutating func peekKind() throws(Corrupt) -> Kind {
            guard index < bytes.count else { throw invalid("the file ends where a value should be") }
            switch bytes[index] {
            case UInt8(ascii: "{"): return .object
            case UInt8(ascii: "["): return .array
            case UInt8(ascii: "\""): return .string
            case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return .number
            case UInt8(ascii: "t"):
                try literal("true")
                return .bool
            case UInt8(ascii: "f"):
                try literal("false")
                return .bool
            case UInt8(ascii: "n"):
                try literal("null")
                return .null
            case let byte: throw unexpected(byte, at: index)
            }
        }

        func literal(_ word: StaticString) throws(Corrupt) {
            let matched = word.withUTF8Buffer { expected in
                index + expected.count <= bytes.count && bytes[index..<(index + expected.count)].elementsEqual(expected)
            }
            guard matched else { throw unexpected(bytes[index], at: index) }
        }

        /// Steps over a number in JSON's grammar; true when it had no fraction and no exponent.
        mutating func number() throws(Corrupt) -> Bool {
            let start = index
            func digits(_ reader: inout Reader) -> Int {
                let first = reader.index
                while reader.index < reader.bytes.count, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(reader.bytes[reader.index]) {
                    reader.index += 1
                }
                return reader.index - first
            }
            if bytes[index] == UInt8(ascii: "-") { index += 1 }
            let intStart = index
            let intDigits = digits(&self)
            guard intDigits > 0 else { throw invalid("a '-' without digits at byte \(start)") }
            guard intDigits == 1 || bytes[intStart] != UInt8(ascii: "0") else {
                throw invalid("a number with a leading zero at byte \(start)")
            }
            var isInteger = true
            if index < bytes.count, bytes[index] == UInt8(ascii: ".") {
                index += 1
                guard digits(&self) > 0 else { throw invalid("a number without digits after '.' at byte \(start)") }
                isInteger = false
            }
            if index < bytes.count, bytes[index] == UInt8(ascii: "e") || bytes[index] == UInt8(ascii: "E") {
                index += 1
                if index < bytes.count, bytes[index] == UInt8(ascii: "+") || bytes[index] == UInt8(ascii: "-") { index += 1 }
                guard digits(&self) > 0 else { throw invalid("a number without exponent digits at byte \(start)") }
                isInteger = false
            }
            return isInteger
        }

        /// A string value; invalid UTF-8 or escapes make the file corrupt, never a repaired string.
        mutating func string() throws(Corrupt) -> String {
            let start = index
            if try stringBytes() {
                // Escaped: `stringBytes` left the unescaped bytes in `scratch`.
                guard let text = String(validating: scratch, as: UTF8.self) else { throw badUTF8(at: start) }
                return text
            }
            let raw = UnsafeBufferPointer(rebasing: bytes[(start + 1)..<(index - 1)])
            guard let text = String(validating: raw, as: UTF8.self) else { throw badUTF8(at: start) }
            return text
        }

        /// Moves past a string that is not kept (a key, a skipped value), checking it is text as
        /// `string()` would, without building it when it is ASCII.
        mutating func checkString() throws(Corrupt) {
            let start = index
            if try stringBytes() {
                guard String(validating: scratch, as: UTF8.self) != nil else { throw badUTF8(at: start) }
                return
            }
            let raw = bytes[(start + 1)..<(index - 1)]
            guard raw.contains(where: { $0 >= 0x80 }) else { return }
            guard String(validating: UnsafeBufferPointer(rebasing: raw), as: UTF8.self) != nil else { throw badUTF8(at: start) }
        }

        /// Moves past a string, checking its escapes; returns true when it had any, with the
        /// unescaped bytes in `scratch`. UTF-8 is checked by whoever turns the bytes into text.
        @discardableResult
        mutating func stringBytes() throws(Corrupt) -> Bool {
            let start = index
            index += 1
            // The common case: no escapes, so the bytes in the file are the string.
            while index < bytes.count {
                let byte = bytes[index]
                if byte == UInt8(ascii: "\"") {
                    index += 1
                    return false
                }
                if byte == UInt8(ascii: "\\") { break }
                guard byte >= 0x20 else { throw invalid("a control character inside a string at byte \(index)") }
                index += 1
            }
            guard index < bytes.count else { throw invalid("the file ends inside a string that starts at byte \(start)") }
            scratch.removeAll(keepingCapacity: true)
            scratch.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[(start + 1)..<index]))
            while index < bytes.count {
                let byte = bytes[index]
                index += 1
                switch byte {
                case UInt8(ascii: "\""):
                    return true
                case UInt8(ascii: "\\"):
                    guard index < bytes.count else { break }
                    let escape = bytes[index]
                    index += 1
                    switch escape {
                    case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): scratch.append(escape)
                    case UInt8(ascii: "b"): scratch.append(0x08)
                    case UInt8(ascii: "f"): scratch.append(0x0C)
                    case UInt8(ascii: "n"): scratch.append(0x0A)
                    case UInt8(ascii: "r"): scratch.append(0x0D)
                    case UInt8(ascii: "t"): scratch.append(0x09)
                    case UInt8(ascii: "u"):
                        let scalar = try unicodeEscape()
                        UTF8.encode(scalar) { scratch.append($0) }
                    default:
                        throw invalid("an invalid escape '\\\(Unicode.Scalar(escape))' at byte \(index - 2)")
                    }
                case 0..<0x20:
                    throw invalid("a control character inside a string at byte \(index - 1)")
                default:
                    scratch.append(byte)
                }
            }
            throw invalid("the file ends inside a string that starts at byte \(start)")
        }

        /// `\uXXXX`, or a surrogate pair of two; a lone surrogate is no character and corrupt.
        mutating func unicodeEscape() throws(Corrupt) -> Unicode.Scalar {
            let at = index - 2
            let high = try hex4()
            if (0xDC00...0xDFFF).contains(high) { throw invalid("a lone surrogate escape at byte \(at)") }
            guard (0xD800...0xDBFF).contains(high) else {
                guard let scalar = Unicode.Scalar(high) else { throw invalid("an invalid \\u escape at byte \(at)") }
                return scalar
            }
            guard index + 1 < bytes.count, bytes[index] == UInt8(ascii: "\\"), bytes[index + 1] == UInt8(ascii: "u") else {
                throw invalid("a lone surrogate escape at byte \(at)")
            }
            index += 2
            let low = try hex4()
            guard (0xDC00...0xDFFF).contains(low),
                  let scalar = Unicode.Scalar(0x10000 + ((high - 0xD800) << 10) + (low - 0xDC00))
            else { throw invalid("a lone surrogate escape at byte \(at)") }
            return scalar
        }

        mutating func hex4() throws(Corrupt) -> UInt32 {
            guard index + 4 <= bytes.count else { throw invalid("the file ends inside a \\u escape") }
            var value: UInt32 = 0
            for _ in 0..<4 {
                let byte = bytes[index]
                let digit: UInt8
                switch byte {
                case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = byte - UInt8(ascii: "0")
                case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = byte - UInt8(ascii: "a") + 10
                case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = byte - UInt8(ascii: "A") + 10
                default: throw invalid("an invalid \\u escape at byte \(index)")
                }
                value = value << 4 | UInt32(digit)
                index += 1
            }
            return value
        }

        mutating func skipWhitespace() {
            while index < bytes.count {
                switch bytes[index] {
                case 0x20, 0x0A, 0x0D, 0x09: index += 1
                default: return
                }
            }
        }

        mutating func end() throws(Corrupt) {
            skipWhitespace()
            guard index == bytes.count else { throw unexpected(bytes[index], at: index) }
        }

        // MARK: Reasons

        func invalid(_ what: String) -> Corrupt {
            Corrupt(reason: "not valid JSON (\(what))")
        }

        func unexpected(_ byte: UInt8, at offset: Int) -> Corrupt {
            let shown = (0x21..<0x7F).contains(byte) ? "'\(Unicode.Scalar(byte))'" : String(format: "byte 0x%02X", byte)
            return invalid("unexpected \(shown) at byte \(offset)")
        }

        func badUTF8(at offset: Int) -> Corrupt {
            invalid("a string that is not UTF-8 at byte \(offset)")
        }

        func mismatch(_ expected: String, found: Kind, at path: String) -> Corrupt {
            Corrupt(reason: "expected \(expected) at \(path), found \(found.rawValue)")
        }
    }
}
