import Foundation

/// The cache file's bytes (SPEC §5), written and read by hand.
///
/// Foundation's `JSONEncoder`/`JSONDecoder` went through `Any` boxes and `Codable` containers and
/// took about 0.25 s to read and 0.45 s to write 10 000 issues, slower than Python's `json` module
/// on the same file. No JSON package among the project's dependencies or the machine's mirrored
/// packages is faster than a reader that knows the one shape it reads, so this is that reader.
///
/// Writing produces exactly what `JSONEncoder` with `.prettyPrinted, .sortedKeys,
/// .withoutEscapingSlashes` produced before (same keys, order, spacing, escapes), so a cache saved
/// by either version is byte-identical and the file stays diff-friendly.
///
/// Reading is as lenient as the `Codable` decoder was: unknown keys are skipped, missing optional
/// fields take defaults, the older shape (only `last_checked` and `issues`) reads, an unreadable
/// `list_validator` is dropped, the first of two equal keys wins, and a comma before `]` or `}`
/// passes (`JSONSerialization` let it). Anything else that is not a cache — invalid JSON or UTF-8,
/// a wrong type, a number that is no `Int`, nesting past 512 levels — throws
/// `IssueCacheCodec.Corrupt` with a reason for the operator. Nothing in a file can trap.
public enum IssueCacheCodec {
    /// Why a file is not a cache, in the words `IssueCacheStore.read()` reports.
    struct Corrupt: Error, Equatable {
        var reason: String
    }

    // MARK: - Writing

    public static func encode(_ cache: IssueCache) -> Data {
        var out = Writer(capacity: 4096 + cache.issues.count * 700)
        out.write(cache)
        return out.finish()
    }

    /// A growable byte buffer handed to `Data` without a copy. Appends are a bounds check and a
    /// `memcpy`; `[UInt8]`'s uniqueness and capacity checks on every small append cost a third of
    /// the encoding.
    private struct Writer {
        var base: UnsafeMutablePointer<UInt8>
        var count = 0
        var capacity: Int

        init(capacity: Int) {
            self.capacity = max(64, capacity)
            base = .allocate(capacity: self.capacity)
        }

        /// The bytes as `Data`, which frees them; the writer is not used after this.
        func finish() -> Data {
            Data(bytesNoCopy: UnsafeMutableRawPointer(base), count: count, deallocator: .custom { pointer, _ in pointer.deallocate() })
        }

        mutating func reserve(_ extra: Int) {
            guard count + extra > capacity else { return }
            let grown = max(capacity * 2, count + extra)
            let bigger = UnsafeMutablePointer<UInt8>.allocate(capacity: grown)
            bigger.update(from: base, count: count)
            base.deallocate()
            base = bigger
            capacity = grown
        }

        mutating func append(_ bytes: UnsafeBufferPointer<UInt8>) {
            guard let source = bytes.baseAddress, !bytes.isEmpty else { return }
            reserve(bytes.count)
            (base + count).update(from: source, count: bytes.count)
            count += bytes.count
        }

        mutating func byte(_ value: UInt8) {
            reserve(1)
            base[count] = value
            count += 1
        }

        mutating func raw(_ text: StaticString) {
            text.withUTF8Buffer { append($0) }
        }

        mutating func write(_ cache: IssueCache) {
            // Keys in byte order, as `.sortedKeys` wrote them: issues by their number's decimal text
            // (10 before 9). Sorting the keys alone keeps the issues themselves from being copied.
            let keys = cache.issues.keys.map { (text: String($0), number: $0) }.sorted { $0.text < $1.text }
            raw("{\n  \"issues\" : {")
            if keys.isEmpty { raw("\n\n  }") }
            for (index, key) in keys.enumerated() {
                guard let issue = cache.issues[key.number] else { continue }
                raw(index == 0 ? "\n    \"" : ",\n    \"")
                integer(key.number)
                raw("\" : {\n      \"assignees\" : ")
                strings(issue.assignees)
                raw(",\n      \"body\" : ")
                string(issue.body)
                raw(",\n      \"created_at\" : ")
                time(issue.createdAt)
                raw(",\n      \"labels\" : ")
                strings(issue.labels)
                raw(issue.locked ? ",\n      \"locked\" : true,\n      \"number\" : " : ",\n      \"locked\" : false,\n      \"number\" : ")
                integer(issue.number)
                raw(",\n      \"state\" : ")
                string(issue.state.rawValue)
                raw(",\n      \"title\" : ")
                string(issue.title)
                raw(",\n      \"updated_at\" : ")
                time(issue.updatedAt)
                raw(",\n      \"url\" : ")
                string(issue.url)
                raw(",\n      \"user\" : ")
                string(issue.user)
                raw("\n    }")
            }
            if !keys.isEmpty { raw("\n  }") }
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

        /// An issue's list of names; empty as `[\n\n      ]`, the way `JSONEncoder` wrote it.
        mutating func strings(_ list: [String]) {
            guard !list.isEmpty else { return raw("[\n\n      ]") }
            raw("[\n        ")
            for (index, item) in list.enumerated() {
                if index > 0 { raw(",\n        ") }
                string(item)
            }
            raw("\n      ]")
        }

        mutating func integer(_ value: Int) {
            if value < 0 { byte(UInt8(ascii: "-")) }
            var magnitude = value.magnitude
            var digits = 1
            var scale: UInt = 1
            while magnitude / scale >= 10 {
                scale *= 10
                digits += 1
            }
            reserve(digits)
            for _ in 0..<digits {
                base[count] = UInt8(truncatingIfNeeded: magnitude / scale) &+ 48
                count += 1
                magnitude %= scale
                scale /= 10
            }
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
                    reserve(22)
                    base[count] = UInt8(ascii: "\"")
                    twoDigits(year / 100, at: 1)
                    twoDigits(year % 100, at: 3)
                    base[count + 5] = UInt8(ascii: "-")
                    twoDigits(month, at: 6)
                    base[count + 8] = UInt8(ascii: "-")
                    twoDigits(day, at: 9)
                    base[count + 11] = UInt8(ascii: "T")
                    twoDigits(secondOfDay / 3600, at: 12)
                    base[count + 14] = UInt8(ascii: ":")
                    twoDigits((secondOfDay / 60) % 60, at: 15)
                    base[count + 17] = UInt8(ascii: ":")
                    twoDigits(secondOfDay % 60, at: 18)
                    base[count + 20] = UInt8(ascii: "Z")
                    base[count + 21] = UInt8(ascii: "\"")
                    count += 22
                    return
                }
            }
            string(Timestamp.format(date))
        }

        /// Writes `value` (0...99) as two digits `offset` bytes past the end; `time` reserved them.
        func twoDigits(_ value: Int, at offset: Int) {
            base[count + offset] = UInt8(truncatingIfNeeded: value / 10) &+ 48
            base[count + offset + 1] = UInt8(truncatingIfNeeded: value % 10) &+ 48
        }

        /// A JSON string: `"` and `\` escaped, control characters as `\n`-style or `\u00xx` escapes,
        /// everything else (`/`, non-ASCII) as its UTF-8 bytes.
        mutating func string(_ text: String) {
            var text = text
            byte(UInt8(ascii: "\""))
            text.withUTF8 { utf8 in
                var runStart = 0
                var index = 0
                while index < utf8.count {
                    index = IssueCacheCodec.skipPlain(utf8, from: index).index
                    guard index < utf8.count else { break }
                    let byte = utf8[index]
                    index += 1
                    guard byte < 0x20 || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") else { continue }
                    append(UnsafeBufferPointer(rebasing: utf8[runStart..<(index - 1)]))
                    runStart = index
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
                        self.byte(hexDigit(byte >> 4))
                        self.byte(hexDigit(byte & 0x0F))
                    }
                }
                append(UnsafeBufferPointer(rebasing: utf8[runStart...]))
            }
            byte(UInt8(ascii: "\""))
        }

        func hexDigit(_ nibble: UInt8) -> UInt8 {
            nibble < 10 ? nibble &+ 48 : nibble &+ 87
        }
    }

    /// Skips eight bytes at a time while none is `"`, `\\` or a control character (SWAR bit tests;
    /// a false alarm only hands the word to the byte-by-byte loop). Returns where that loop must
    /// look, and the bytes skipped OR-ed together (bit 7 set: non-ASCII among them).
    static func skipPlain(_ bytes: UnsafeBufferPointer<UInt8>, from start: Int) -> (index: Int, ored: UInt8) {
        guard let base = bytes.baseAddress else { return (start, 0) }
        let ones: UInt64 = 0x0101_0101_0101_0101
        let highs: UInt64 = 0x8080_8080_8080_8080
        var index = start
        var ored: UInt64 = 0
        while index + 8 <= bytes.count {
            let word = UnsafeRawPointer(base + index).loadUnaligned(as: UInt64.self)
            let quote = word ^ (ones &* 0x22)
            let backslash = word ^ (ones &* 0x5C)
            let special = ((quote &- ones) & ~quote) | ((backslash &- ones) & ~backslash) | ((word &- ones &* 0x20) & ~word)
            guard special & highs == 0 else { break }
            ored |= word
            index += 8
        }
        // Fold the eight lanes into one byte: only bit 7 is read.
        ored |= ored >> 32
        ored |= ored >> 16
        ored |= ored >> 8
        return (index, UInt8(truncatingIfNeeded: ored))
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
                try skipValue(level: 1)
                try end()
                throw Corrupt(reason: "the top level is not a JSON object")
            }
            var cache = IssueCache()
            var seen: Set<String> = []
            var times: [(key: String, text: String)] = []
            var validatorRange: Range<Int>?
            try openContainer(level: 1)
            var first = true
            while let key = try nextKey(first: &first) {
                let name = keyText(key)
                guard seen.insert(name).inserted else {
                    try skipValue(level: 2)
                    continue
                }
                switch name {
                case "issues":
                    switch try peekKind() {
                    case .null: index += 4
                    case .object: cache.issues = try issues()
                    case let kind: throw mismatch("an object", found: kind, at: name)
                    }
                case "last_checked", "last_full_refresh", "updates_covered_through":
                    if let text = try optionalString(at: name) { times.append((name, text)) }
                case "list_validator":
                    let start = index
                    try skipValue(level: 2)
                    validatorRange = start..<index
                default:
                    try skipValue(level: 2)
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
            try openContainer(level: 2)
            var first = true
            while let key = try nextKey(first: &first) {
                let kind = try peekKind()
                guard kind == .object else { throw mismatch("an object", found: kind, at: "issues.\(keyText(key))") }
                let issue = try issue(key: key)
                // Two entries for one number: the first stays, as the first of two equal keys did.
                if issues[issue.number] == nil { issues[issue.number] = issue }
            }
            return issues
        }

        /// The fields of an issue, so the first of two equal keys wins, as it did with `JSONDecoder`.
        struct Fields: OptionSet {
            let rawValue: UInt16
            static let number = Fields(rawValue: 1 << 0), title = Fields(rawValue: 1 << 1), body = Fields(rawValue: 1 << 2)
            static let state = Fields(rawValue: 1 << 3), labels = Fields(rawValue: 1 << 4), assignees = Fields(rawValue: 1 << 5)
            static let user = Fields(rawValue: 1 << 6), createdAt = Fields(rawValue: 1 << 7), updatedAt = Fields(rawValue: 1 << 8)
            static let url = Fields(rawValue: 1 << 9), locked = Fields(rawValue: 1 << 10)
        }

        mutating func issue(key: Range<Int>) throws(Corrupt) -> Issue {
            var number: Int?
            var title: String?, body: String?, user: String?, url: String?, state: String?
            var labels: [String]?, assignees: [String]?
            var createdAt: Date?, updatedAt: Date?
            var locked: Bool?
            var seen: Fields = []
            try openContainer(level: 3)
            var first = true
            while let name = try nextKey(first: &first) {
                let field = Self.issueField(UnsafeBufferPointer(rebasing: bytes[name]))
                    ?? (bytes[name].contains(UInt8(ascii: "\\")) ? Self.issueField(Array(keyText(name).utf8)) : nil)
                guard let field, seen.insert(field).inserted else {
                    try skipValue(level: 4)
                    continue
                }
                let path = IssuePath(bytes: bytes, key: key, field: name)
                switch field {
                case .number: number = try integer(at: path)
                case .title: title = try optionalString(at: path)
                case .body: body = try optionalString(at: path)
                case .state: state = try optionalString(at: path)
                case .labels: labels = try optionalStrings(at: path)
                case .assignees: assignees = try optionalStrings(at: path)
                case .user: user = try optionalString(at: path)
                case .createdAt: createdAt = try optionalTime(at: path)
                case .updatedAt: updatedAt = try optionalTime(at: path)
                case .url: url = try optionalString(at: path)
                default: locked = try optionalBool(at: path)
                }
            }
            guard let number else { throw Corrupt(reason: "missing key 'number' at issues.\(keyText(key))") }
            return Issue(
                number: number, title: title ?? "", body: body ?? "",
                state: state.map { IssueState(rawValue: $0.lowercased()) ?? .open } ?? .open,
                labels: labels ?? [], assignees: assignees ?? [], user: user ?? "",
                createdAt: createdAt, updatedAt: updatedAt, url: url ?? "", locked: locked ?? false)
        }

        static func issueField(_ name: some Collection<UInt8>) -> Fields? {
            func equals(_ text: StaticString) -> Bool {
                text.withUTF8Buffer { name.count == $0.count && name.elementsEqual($0) }
            }
            switch name.first {
            case UInt8(ascii: "a"): return equals("assignees") ? .assignees : nil
            case UInt8(ascii: "b"): return equals("body") ? .body : nil
            case UInt8(ascii: "c"): return equals("created_at") ? .createdAt : nil
            case UInt8(ascii: "l"): return equals("labels") ? .labels : equals("locked") ? .locked : nil
            case UInt8(ascii: "n"): return equals("number") ? .number : nil
            case UInt8(ascii: "s"): return equals("state") ? .state : nil
            case UInt8(ascii: "t"): return equals("title") ? .title : nil
            case UInt8(ascii: "u"): return equals("updated_at") ? .updatedAt : equals("url") ? .url : equals("user") ? .user : nil
            default: return nil
            }
        }

        /// `issues.KEY.FIELD`, spelled out only when a reason needs it.
        struct IssuePath: CustomStringConvertible {
            let bytes: UnsafeBufferPointer<UInt8>
            let key: Range<Int>
            let field: Range<Int>
            var description: String { "issues.\(Reader.keyText(key, in: bytes)).\(Reader.keyText(field, in: bytes))" }
        }

        /// `ListValidator`'s synthesized decoding: both keys required, both strings.
        mutating func listValidator() throws(Corrupt) -> ListValidator {
            guard try peekKind() == .object else { throw Corrupt(reason: "list_validator") }
            var url: String?, etag: String?
            try openContainer(level: 1)
            var first = true
            while let name = try nextKey(first: &first) {
                switch keyText(name) {
                case "url" where url == nil: url = try string()
                case "etag" where etag == nil: etag = try string()
                default: try skipValue(level: 2)
                }
            }
            guard let url, let etag else { throw Corrupt(reason: "list_validator") }
            return ListValidator(url: url, etag: etag)
        }

        // MARK: Typed values

        mutating func optionalString(at path: some CustomStringConvertible) throws(Corrupt) -> String? {
            switch try peekKind() {
            case .string: return try string()
            case .null:
                index += 4
                return nil
            case let kind: throw mismatch("a string", found: kind, at: path.description)
            }
        }

        /// An issue time: unreadable text is nil, as it was; anything but a string or null is corrupt.
        mutating func optionalTime(at path: some CustomStringConvertible) throws(Corrupt) -> Date? {
            let start = index
            guard try peekKind() == .string else {
                _ = try optionalString(at: path)
                return nil
            }
            // The shape every cache writes, read from the bytes without building a String.
            if index + 22 <= bytes.count, bytes[index + 21] == UInt8(ascii: "\""),
               let date = Self.wholeSecondsUTC(UnsafeBufferPointer(rebasing: bytes[(start + 1)..<(start + 21)])) {
                index += 22
                return date
            }
            return Timestamp.parse(try string())
        }

        /// `YYYY-MM-DDTHH:MM:SSZ` exactly, as `Timestamp.parse` reads it first, or nil.
        static func wholeSecondsUTC(_ text: UnsafeBufferPointer<UInt8>) -> Date? {
            guard text.count == 20, text[4] == UInt8(ascii: "-"), text[7] == UInt8(ascii: "-"), text[10] == UInt8(ascii: "T"),
                  text[13] == UInt8(ascii: ":"), text[16] == UInt8(ascii: ":"), text[19] == UInt8(ascii: "Z")
            else { return nil }
            func number(_ range: Range<Int>) -> Int? {
                var value = 0
                for index in range {
                    let digit = Int(text[index]) &- 48
                    guard (0...9).contains(digit) else { return nil }
                    value = value * 10 + digit
                }
                return value
            }
            guard let year = number(0..<4), let month = number(5..<7), let day = number(8..<10),
                  let hour = number(11..<13), let minute = number(14..<16), let second = number(17..<19),
                  (1...12).contains(month), (1...31).contains(day), hour < 24, minute < 60, second < 61
            else { return nil }
            let days = Timestamp.daysFromCivil(year: year, month: month, day: day)
            return Date(timeIntervalSince1970: TimeInterval(days * 86400 + Int64(hour * 3600 + minute * 60 + second)))
        }

        mutating func optionalStrings(at path: some CustomStringConvertible) throws(Corrupt) -> [String]? {
            switch try peekKind() {
            case .array: break
            case .null:
                index += 4
                return nil
            case let kind: throw mismatch("an array", found: kind, at: path.description)
            }
            try openContainer(level: 4)
            var list: [String] = []
            var first = true
            while try nextElement(first: &first, closer: UInt8(ascii: "]")) {
                let kind = try peekKind()
                guard kind == .string else { throw mismatch("a string", found: kind, at: "\(path)[\(list.count)]") }
                list.append(try string())
            }
            return list
        }

        mutating func optionalBool(at path: some CustomStringConvertible) throws(Corrupt) -> Bool? {
            switch try peekKind() {
            case .bool:
                let value = bytes[index] == UInt8(ascii: "t")
                index += value ? 4 : 5
                return value
            case .null:
                index += 4
                return nil
            case let kind: throw mismatch("true or false", found: kind, at: path.description)
            }
        }

        /// An issue number: an integer, or a number with a fraction or exponent whose value is a
        /// whole `Int` (`5.0`, `1e2`), as `JSONDecoder` took it. Anything past `Int` is corrupt.
        mutating func integer(at path: some CustomStringConvertible) throws(Corrupt) -> Int {
            let kind = try peekKind()
            guard kind == .number else { throw mismatch("an integer", found: kind, at: path.description) }
            let start = index
            let isInteger = try number()
            let text = UnsafeBufferPointer(rebasing: bytes[start..<index])
            func notAnInt() -> Corrupt {
                Corrupt(reason: "\(String(decoding: text.prefix(40), as: UTF8.self)) is not a whole number that fits an Int at \(path)")
            }
            if isInteger {
                var value = 0
                let negative = text[0] == UInt8(ascii: "-")
                for digit in text.dropFirst(negative ? 1 : 0) {
                    let (shifted, overflow1) = value.multipliedReportingOverflow(by: 10)
                    let (next, overflow2) = negative
                        ? shifted.subtractingReportingOverflow(Int(digit &- 48))
                        : shifted.addingReportingOverflow(Int(digit &- 48))
                    guard !overflow1, !overflow2 else { throw notAnInt() }
                    value = next
                }
                return value
            }
            guard let double = Double(String(decoding: text, as: UTF8.self)), let value = Int(exactly: double) else {
                throw notAnInt()
            }
            return value
        }

        // MARK: JSON syntax

        /// Steps into an object or array (at `{` or `[`); `level` counts the containers around
        /// and including it, the top-level object being 1.
        mutating func openContainer(level: Int) throws(Corrupt) {
            guard level <= Self.maximumDepth else { throw invalid("nested deeper than \(Self.maximumDepth) levels") }
            index += 1
        }

        /// Moves to the next member of an object: past `,` (or nothing, the first time), the key
        /// and `:`. Returns the key's raw bytes between the quotes, or nil past the closing `}`.
        mutating func nextKey(first: inout Bool) throws(Corrupt) -> Range<Int>? {
            guard try nextElement(first: &first, closer: UInt8(ascii: "}")) else { return nil }
            guard bytes[index] == UInt8(ascii: "\"") else { throw unexpected(bytes[index], at: index) }
            let start = index + 1
            try checkString()
            let key = start..<(index - 1)
            skipWhitespace()
            guard index < bytes.count else { throw invalid("the file ends inside an object") }
            guard bytes[index] == UInt8(ascii: ":") else { throw unexpected(bytes[index], at: index) }
            index += 1
            skipWhitespace()
            return key
        }

        /// Moves to the next element of an object or array: past `,` (or nothing, the first time).
        /// False past `closer`. A comma right before `closer` passes, as `JSONSerialization` let it.
        mutating func nextElement(first: inout Bool, closer: UInt8) throws(Corrupt) -> Bool {
            skipWhitespace()
            guard index < bytes.count else {
                throw invalid(closer == UInt8(ascii: "}") ? "the file ends inside an object" : "the file ends inside an array")
            }
            if bytes[index] == closer {
                index += 1
                return false
            }
            if first {
                first = false
            } else {
                guard bytes[index] == UInt8(ascii: ",") else { throw unexpected(bytes[index], at: index) }
                index += 1
                skipWhitespace()
                guard index < bytes.count else { throw invalid("the file ends after a comma") }
                if bytes[index] == closer {
                    index += 1
                    return false
                }
            }
            return true
        }

        /// The text of a key already read and validated.
        func keyText(_ range: Range<Int>) -> String {
            Self.keyText(range, in: bytes)
        }

        static func keyText(_ range: Range<Int>, in bytes: UnsafeBufferPointer<UInt8>) -> String {
            var copy = Reader(UnsafeBufferPointer(rebasing: bytes[(range.lowerBound - 1)..<(range.upperBound + 1)]))
            return (try? copy.string()) ?? ""
        }

        /// Checks one value of any kind and moves past it; `level` as for `openContainer`.
        mutating func skipValue(level: Int) throws(Corrupt) {
            switch try peekKind() {
            case .object:
                try openContainer(level: level)
                var first = true
                while try nextKey(first: &first) != nil {
                    try skipValue(level: level + 1)
                }
            case .array:
                try openContainer(level: level)
                var first = true
                while try nextElement(first: &first, closer: UInt8(ascii: "]")) {
                    try skipValue(level: level + 1)
                }
            case .string: try checkString()
            case .number: _ = try number()
            case .bool: index += bytes[index] == UInt8(ascii: "t") ? 4 : 5
            case .null: index += 4
            }
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
            let scan = try stringBytes()
            let text: String?
            if scan.escaped {
                text = scratch.withUnsafeBufferPointer { Self.text(validating: $0, ascii: false) }
            } else {
                text = Self.text(validating: UnsafeBufferPointer(rebasing: bytes[(start + 1)..<(index - 1)]), ascii: scan.ascii)
            }
            guard let text else { throw badUTF8(at: start) }
            return text
        }

        /// Moves past a string that is not kept (a key, a skipped value), checking it is text as
        /// `string()` would, without building it when it is ASCII.
        mutating func checkString() throws(Corrupt) {
            let start = index
            let scan = try stringBytes()
            if scan.escaped {
                guard scratch.withUnsafeBufferPointer({ Self.text(validating: $0, ascii: false) }) != nil else { throw badUTF8(at: start) }
            } else if !scan.ascii {
                guard Self.text(validating: UnsafeBufferPointer(rebasing: bytes[(start + 1)..<(index - 1)]), ascii: false) != nil else {
                    throw badUTF8(at: start)
                }
            }
        }

        /// The bytes as a String, or nil when they are not UTF-8.
        ///
        /// `String(decoding:)` is fast but repairs bad bytes with U+FFFD; repaired text differs from
        /// its bytes (the bytes it replaces are never U+FFFD's own), so equal bytes mean valid
        /// UTF-8. `String(validating:)` answers the same but is generic at run time and slower.
        static func text(validating utf8: UnsafeBufferPointer<UInt8>, ascii: Bool) -> String? {
            var text = String(decoding: utf8, as: UTF8.self)
            if ascii { return text }
            let intact = text.withUTF8 { decoded in
                guard decoded.count == utf8.count else { return false }
                guard let repaired = decoded.baseAddress, let original = utf8.baseAddress else { return true }
                return memcmp(repaired, original, utf8.count) == 0
            }
            return intact ? text : nil
        }

        /// Moves past a string, checking its escapes and control characters. When it had escapes
        /// the unescaped bytes are in `scratch`; `ascii` tells that no byte needs a UTF-8 check.
        mutating func stringBytes() throws(Corrupt) -> (escaped: Bool, ascii: Bool) {
            let start = index
            index += 1
            var high: UInt8 = 0
            // The common case: no escapes, so the bytes in the file are the string.
            while index < bytes.count {
                let plain = IssueCacheCodec.skipPlain(bytes, from: index)
                index = plain.index
                high |= plain.ored
                guard index < bytes.count else { break }
                let byte = bytes[index]
                if byte == UInt8(ascii: "\"") {
                    index += 1
                    return (false, high < 0x80)
                }
                if byte == UInt8(ascii: "\\") { break }
                guard byte >= 0x20 else { throw invalid("a control character inside a string at byte \(index)") }
                high |= byte
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
                    return (true, false)
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
