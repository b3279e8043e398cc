import XCTest
@testable import Coordinator

/// `IssueCacheCodec` against the Foundation-based cache format it replaced: same bytes written,
/// same caches read, the same files refused.
final class IssueCacheCodecTests: XCTestCase {
    // MARK: Fixtures

    static let t0 = Timestamp.parse("2026-11-24T10:00:00Z")!

    /// A cache exercising every field, empty lists, nil times, and keys whose string order differs
    /// from numeric order (2, 10, 100).
    func sampleCache(validator: Bool = true) -> IssueCache {
        let a = Issue(
            number: 2, title: "Add X ✨", body: "line 1\nline 2\t\"quoted\" \\ back", state: .open,
            labels: ["status-02:awaiting-planning", "enhancement 🚀"], assignees: ["bob", "carol"], user: "alice",
            createdAt: Self.t0.addingTimeInterval(-86_400), updatedAt: Self.t0, url: "https://github.com/acme/demo/issues/2", locked: true)
        let b = Issue(number: 10, title: "", labels: [], createdAt: nil, updatedAt: nil)
        let c = Issue(number: 100, title: "Closed </script>", state: .closed, labels: ["blocked"], user: "dave", updatedAt: Self.t0.addingTimeInterval(59))
        return IssueCache(
            lastChecked: Self.t0, lastFullRefresh: Self.t0.addingTimeInterval(-3600), updatesCoveredThrough: nil,
            issues: [2: a, 10: b, 100: c],
            listValidator: validator ? ListValidator(url: "https://api.github.com/repos/acme/demo/issues?state=all", etag: "W/\"abc\"") : nil)
    }

    func decode(_ text: String) -> Result<IssueCache, IssueCacheCodec.Corrupt> {
        decode(Data(text.utf8))
    }

    func decode(_ data: Data) -> Result<IssueCache, IssueCacheCodec.Corrupt> {
        Result { () throws(IssueCacheCodec.Corrupt) in try IssueCacheCodec.decode(data) }
    }

    // MARK: Writing

    func testEncodingIsByteIdenticalToTheFoundationEncoder() throws {
        for cache in [sampleCache(), sampleCache(validator: false), IssueCache(), IssueCache(issues: [7: issue(7, [])])] {
            let ours = IssueCacheCodec.encode(cache)
            let foundation = try FoundationCacheFile.encode(cache)
            XCTAssertEqual(String(decoding: ours, as: UTF8.self), String(decoding: foundation, as: UTF8.self))
        }
    }

    func testEncodingIsStableForEqualCaches() {
        let issues = (1...300).map { issue($0, ["l\($0 % 3)"]) }
        var forward = IssueCache(lastChecked: Self.t0)
        for issue in issues { forward.issues[issue.number] = issue }
        var backward = IssueCache(lastChecked: Self.t0)
        for issue in issues.reversed() { backward.issues[issue.number] = issue }
        XCTAssertEqual(IssueCacheCodec.encode(forward), IssueCacheCodec.encode(backward))
        XCTAssertEqual(IssueCacheCodec.encode(forward), IssueCacheCodec.encode(forward))
    }

    func testStringsAreEscapedLikeJSONEncoderAndReadBack() throws {
        let controls = String(String.UnicodeScalarView((0..<0x20).compactMap(Unicode.Scalar.init)))
        let nasty = [
            controls, "\"quotes\" and \\backslashes\\", "line\nbreak\r\n\ttab", "emoji 🚀👩‍👩‍👧 é ß 中文",
            "</script> a/b //", "\u{7F} \u{2028} \u{2029} \u{FEFF}", "", "\\u0041 is not unescaped",
        ]
        let cache = IssueCache(issues: Dictionary(uniqueKeysWithValues: nasty.enumerated().map { offset, text in
            (offset + 1, Issue(number: offset + 1, title: text, body: text, labels: [text, "x"], assignees: [text], user: text, url: text))
        }))
        let ours = IssueCacheCodec.encode(cache)
        XCTAssertEqual(ours, try FoundationCacheFile.encode(cache))
        let text = String(decoding: ours, as: UTF8.self)
        XCTAssertTrue(text.contains(#""\u0000\u0001\u0002\u0003\u0004\u0005\u0006\u0007\b\t\n\u000b\f\r\u000e"#), text)
        XCTAssertTrue(text.contains("\\u001f\""))
        XCTAssertTrue(text.contains("</script> a/b //"), "'/' stays unescaped")
        XCTAssertTrue(text.contains("emoji 🚀👩‍👩‍👧 é ß 中文"), "non-ASCII stays UTF-8")
        XCTAssertEqual(try decode(ours).get(), cache)
        XCTAssertEqual(try FoundationCacheFile.decode(ours), cache)
    }

    /// Both directions skip plain bytes eight at a time; a character that needs care must be found
    /// wherever it falls in such a word.
    func testEscapesAndNonASCIIAtEveryOffsetOfAWord() throws {
        var texts: [String] = []
        for special in ["\"", "\\", "\n", "\u{1F}", "\u{0}", "é", "🚀", "\u{7F}"] {
            for offset in 0..<18 {
                texts.append(String(repeating: "a", count: offset) + special + String(repeating: "b", count: 17 - offset))
            }
        }
        let cache = IssueCache(issues: Dictionary(uniqueKeysWithValues: texts.enumerated().map { offset, text in
            (offset + 1, Issue(number: offset + 1, title: text, body: text + text, labels: [text]))
        }))
        let ours = IssueCacheCodec.encode(cache)
        XCTAssertEqual(String(decoding: ours, as: UTF8.self), String(decoding: try FoundationCacheFile.encode(cache), as: UTF8.self))
        XCTAssertEqual(try decode(ours).get(), cache)
        for offset in 0..<18 {
            var bytes = Array(#"{"issues": {"1": {"number": 1, "title": ""#.utf8)
            bytes += Array(repeating: UInt8(ascii: "a"), count: offset) + [0xFF] + Array(repeating: UInt8(ascii: "b"), count: 17 - offset)
            bytes += Array(#""}}}"#.utf8)
            XCTAssertThrowsError(try IssueCacheCodec.decode(Data(bytes)), "invalid UTF-8 at offset \(offset)")
            var control = Array(#"{"issues": {"1": {"number": 1, "title": ""#.utf8)
            control += Array(repeating: UInt8(ascii: "a"), count: offset) + [0x01] + Array(repeating: UInt8(ascii: "b"), count: 17 - offset)
            control += Array(#""}}}"#.utf8)
            XCTAssertThrowsError(try IssueCacheCodec.decode(Data(control)), "raw control character at offset \(offset)")
        }
    }

    func testTimesAreWrittenAsTimestampFormatsThem() throws {
        let dates: [Date] = [
            Date(timeIntervalSince1970: 0), Date(timeIntervalSince1970: -1), Date(timeIntervalSince1970: 1.999),
            Date(timeIntervalSince1970: -0.5), Self.t0, Date(timeIntervalSince1970: 951_782_400), // 2000-02-29
            Date(timeIntervalSince1970: 253_402_300_799), Date(timeIntervalSince1970: 253_402_300_800),
            Date(timeIntervalSince1970: -62_167_219_200), Date(timeIntervalSince1970: -62_167_219_201),
            Date(timeIntervalSince1970: 1e16), Date(timeIntervalSince1970: -1e16), .distantPast, .distantFuture,
            Date(timeIntervalSince1970: .nan), Date(timeIntervalSince1970: .infinity),
        ]
        for date in dates {
            let cache = IssueCache(lastChecked: date, issues: [1: Issue(number: 1, title: "", labels: [], createdAt: date)])
            XCTAssertEqual(
                String(decoding: IssueCacheCodec.encode(cache), as: UTF8.self),
                String(decoding: try FoundationCacheFile.encode(cache), as: UTF8.self), "\(date.timeIntervalSince1970)")
        }
    }

    func testPythonReadsTheFile() throws {
        guard let python = PythonOnPath.find() else { throw XCTSkip("python3 is not on PATH") }
        let file = try makeTemporaryDirectory().appendingPathComponent("cache.json")
        defer { try? FileManager.default.removeItem(at: file.deletingLastPathComponent()) }
        try IssueCacheCodec.encode(sampleCache()).write(to: file)
        let process = Process()
        process.executableURL = python
        process.arguments = ["-c", """
            import json, sys
            c = json.load(open(sys.argv[1], encoding="utf-8"))
            i = c["issues"]["2"]
            print(json.dumps([c["version"], c["last_checked"], i["title"], i["body"], i["labels"], c["list_validator"]["etag"]]))
            """, file.path]
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        let output = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        XCTAssertEqual(process.terminationStatus, 0)
        let fields = try JSONSerialization.jsonObject(with: output) as? [Any]
        XCTAssertEqual(fields?[0] as? Int, 1)
        XCTAssertEqual(fields?[1] as? String, "2026-11-24T10:00:00Z")
        XCTAssertEqual(fields?[2] as? String, "Add X ✨")
        XCTAssertEqual(fields?[3] as? String, "line 1\nline 2\t\"quoted\" \\ back")
        XCTAssertEqual(fields?[4] as? [String], ["status-02:awaiting-planning", "enhancement 🚀"])
        XCTAssertEqual(fields?[5] as? String, "W/\"abc\"")
    }

    // MARK: Reading

    func testRoundTripsBothWaysWithTheFoundationFormat() throws {
        for cache in [sampleCache(), sampleCache(validator: false), IssueCache()] {
            XCTAssertEqual(try decode(try FoundationCacheFile.encode(cache)).get(), cache)
            XCTAssertEqual(try FoundationCacheFile.decode(IssueCacheCodec.encode(cache)), cache)
        }
    }

    func testOlderShapeAndUnknownKeysAreRead() throws {
        let cache = try decode("""
            {"last_checked": "2026-11-24T10:00:00.123456+00:00", "extra": {"deep": [1, 2.5e3, null, true, {"x": "\\u00e9"}]},
             "issues": {"5": {"number": 5, "title": "Old", "labels": ["status-05:plan-ready"], "state": "OPEN",
                              "whatever": [[]], "pull_request": null}}}
            """).get()
        XCTAssertEqual(cache.issues[5], Issue(number: 5, title: "Old", labels: ["status-05:plan-ready"]))
        XCTAssertEqual(cache.lastChecked, Timestamp.parse("2026-11-24T10:00:00.123456+00:00"))
        XCTAssertNil(cache.lastFullRefresh)
        XCTAssertNil(cache.updatesCoveredThrough)
        XCTAssertNil(cache.listValidator)
    }

    func testLenientReadingMatchesTheFoundationDecoder() throws {
        let inputs: [String] = [
            #"{}"#,
            #"{"issues": null, "last_checked": null, "version": "anything"}"#,
            #"{"issues": {"9": {"number": 9, "title": null, "labels": null, "locked": null, "created_at": "not a time"}}}"#,
            #"{"issues": {"a-key-that-is-no-number": {"number": 3, "state": "weird"}}}"#,
            #"{"issues": {"1": {"number": 5.0}, "2": {"number": 1e2}, "3": {"number": -0}, "4": {"number": 5.000000000000000001}}}"#,
            #"{"issues": {"1": {"number": 1, "number": 2, "title": "first", "title": "second"}}}"#,
            #"{"issues": {"1": {"number": 1}}, "issues": {"2": {"number": 2}}}"#,
            #"{"list_validator": {"url": "u"}}"#,
            #"{"list_validator": [1, 2]}"#,
            #"{"list_validator": {"url": "u", "etag": 5}}"#,
            #"{"list_validator": {"url": "u", "etag": "e", "extra": {}}}"#,
            #"{"issues": {"1": {"number": 1, "labels": ["a",], "assignees": [],}},}"#,
            "\u{FEFF}{\"issues\": {}}",
            " \r\n\t{\"issues\" : { \"1\" : { \"number\" : 1 } } } \n",
            #"{"issu\u0065s": {"1": {"numb\u0065r": 1, "titl\u0065": "escaped keys"}}}"#,
            #"{"issues": {"1": {"number": 1, "title": "\ud83d\ude80 \u00e9\/"}}}"#,
            #"{"issues": {"1": {"number": 9223372036854775807}, "2": {"number": -9223372036854775808}}}"#,
            "{\"x\": \"" + String(repeating: "[", count: 600) + "\"}",
            "{\"x\": " + String(repeating: "[", count: 510) + String(repeating: "]", count: 510) + "}",
        ]
        for input in inputs {
            let reference = Result { try FoundationCacheFile.decode(Data(input.utf8)) }
            switch (decode(input), reference) {
            case let (.success(ours), .success(theirs)):
                XCTAssertEqual(ours, theirs, input)
            case let (ours, theirs):
                XCTFail("\(input.prefix(200)): ours \(ours), Foundation's \(theirs)")
            }
        }
    }

    func testLenientReadsGiveTheseCaches() throws {
        let defaults = try decode(#"{"issues": {"9": {"number": 9, "title": null, "created_at": "not a time", "state": "Closed"}}}"#).get()
        XCTAssertEqual(defaults.issues, [9: Issue(number: 9, title: "", state: .closed, labels: [])])
        let duplicates = try decode(#"{"issues": {"1": {"number": 1, "title": "first", "title": "second"}}}"#).get()
        XCTAssertEqual(duplicates.issues[1]?.title, "first")
        let escaped = try decode(#"{"issues": {"1": {"number": 1, "title": "\ud83d\ude80 \u00e9\/\u0000"}}}"#).get()
        XCTAssertEqual(escaped.issues[1]?.title, "🚀 é/\u{0}")
        XCTAssertNil(try decode(#"{"list_validator": {"url": "u"}}"#).get().listValidator)
        XCTAssertEqual(try decode(#"{"list_validator": {"etag": "e", "url": "u"}}"#).get().listValidator, ListValidator(url: "u", etag: "e"))
    }

    // MARK: Corrupt files

    func testFilesThatAreNoCacheAreCorrupt() throws {
        let valid = String(decoding: IssueCacheCodec.encode(sampleCache()), as: UTF8.self)
        var inputs: [(name: String, bytes: Data)] = [
            ("empty", Data()),
            ("whitespace", Data(" \n".utf8)),
            ("top-level array", Data("[1, 2]".utf8)),
            ("top-level string", Data(#""issues""#.utf8)),
            ("garbage after the object", Data(#"{"issues": {}} x"#.utf8)),
            ("two objects", Data("{}{}".utf8)),
            ("issues is an array", Data(#"{"issues": []}"#.utf8)),
            ("issue is a string", Data(#"{"issues": {"1": "x"}}"#.utf8)),
            ("missing number", Data(#"{"issues": {"1": {"title": "no number"}}}"#.utf8)),
            ("number is a string", Data(#"{"issues": {"1": {"number": "1"}}}"#.utf8)),
            ("number is null", Data(#"{"issues": {"1": {"number": null}}}"#.utf8)),
            ("number has a fraction", Data(#"{"issues": {"1": {"number": 1.5}}}"#.utf8)),
            ("number 1e400", Data(#"{"issues": {"1": {"number": 1e400}}}"#.utf8)),
            ("number past Int", Data(#"{"issues": {"1": {"number": 99999999999999999999}}}"#.utf8)),
            ("number one past Int.max", Data(#"{"issues": {"1": {"number": 9223372036854775808}}}"#.utf8)),
            ("number 1e19", Data(#"{"issues": {"1": {"number": 1e19}}}"#.utf8)),
            ("leading zero", Data(#"{"issues": {"1": {"number": 01}}}"#.utf8)),
            ("bare minus", Data(#"{"issues": {"1": {"number": -}}}"#.utf8)),
            ("title is a number", Data(#"{"issues": {"1": {"number": 1, "title": 5}}}"#.utf8)),
            ("labels is a string", Data(#"{"issues": {"1": {"number": 1, "labels": "a"}}}"#.utf8)),
            ("label is a number", Data(#"{"issues": {"1": {"number": 1, "labels": ["a", 2]}}}"#.utf8)),
            ("label is null", Data(#"{"issues": {"1": {"number": 1, "labels": [null]}}}"#.utf8)),
            ("locked is 1", Data(#"{"issues": {"1": {"number": 1, "locked": 1}}}"#.utf8)),
            ("locked is a string", Data(#"{"issues": {"1": {"number": 1, "locked": "true"}}}"#.utf8)),
            ("created_at is a number", Data(#"{"issues": {"1": {"number": 1, "created_at": 5}}}"#.utf8)),
            ("last_checked is a number", Data(#"{"last_checked": 1700000000}"#.utf8)),
            ("last_checked is no time", Data(#"{"last_checked": "yesterday"}"#.utf8)),
            ("lone high surrogate", Data(#"{"issues": {"1": {"number": 1, "title": "\ud800"}}}"#.utf8)),
            ("lone low surrogate", Data(#"{"issues": {"1": {"number": 1, "title": "\udc00x"}}}"#.utf8)),
            ("bad escape", Data(#"{"issues": {"1": {"number": 1, "title": "\x"}}}"#.utf8)),
            ("short \\u escape", Data(#"{"issues": {"1": {"number": 1, "title": "\u12"}}}"#.utf8)),
            ("raw control character", Data("{\"issues\": {\"1\": {\"number\": 1, \"title\": \"a\u{1}b\"}}}".utf8)),
            ("unquoted key", Data(#"{issues: {}}"#.utf8)),
            ("single quotes", Data(#"{'issues': {}}"#.utf8)),
            ("missing colon", Data(#"{"issues" {}}"#.utf8)),
            ("missing comma", Data(#"{"issues": {} "x": 1}"#.utf8)),
            ("leading comma", Data(#"{"issues": {"1": {"number": 1, "labels": [,"a"]}}}"#.utf8)),
            ("NaN", Data(#"{"x": NaN}"#.utf8)),
            ("truncated literal", Data(#"{"x": tru}"#.utf8)),
            ("10 000 nested arrays", Data(("{\"x\": " + String(repeating: "[", count: 10_000) + String(repeating: "]", count: 10_000) + "}").utf8)),
            ("10 000 nested objects", Data(("{\"x\": " + String(repeating: "{\"a\":", count: 10_000) + "1" + String(repeating: "}", count: 10_000) + "}").utf8)),
            ("600 nested arrays", Data(("{\"x\": " + String(repeating: "[", count: 600) + String(repeating: "]", count: 600) + "}").utf8)),
        ]
        // Invalid UTF-8 in a value read, in a key, and in a value skipped; an overlong encoding.
        inputs.append(("invalid UTF-8 in a title", Data(#"{"issues": {"1": {"number": 1, "title": "a"#.utf8) + Data([0xFF]) + Data(#""}}}"#.utf8)))
        inputs.append(("invalid UTF-8 in a key", Data(#"{"issues": {"1": {"number": 1, "t"#.utf8) + Data([0xC3]) + Data(#"": 1}}}"#.utf8)))
        inputs.append(("invalid UTF-8 skipped", Data(#"{"x": ""#.utf8) + Data([0xC0, 0xAF]) + Data(#""}"#.utf8)))
        inputs.append(("truncated UTF-8 sequence", Data(#"{"issues": {"1": {"number": 1, "title": ""#.utf8) + Data([0xE2, 0x9C]) + Data(#""}}}"#.utf8)))
        // A saved cache cut anywhere is never a cache.
        for length in [1, 2, 10, 40, valid.utf8.count / 3, valid.utf8.count / 2, valid.utf8.count - 2, valid.utf8.count - 1] {
            inputs.append(("truncated to \(length) bytes", Data(valid.utf8.prefix(length))))
        }
        let store = IssueCacheStore(directory: try makeTemporaryDirectory().path, repo: RepoURL(parsing: "https://github.com/acme/demo")!)
        defer { try? FileManager.default.removeItem(at: store.directory) }
        try store.ensureDirectory()
        for (name, bytes) in inputs {
            try bytes.write(to: store.fileURL)
            guard case let .corrupt(reason) = try store.read() else {
                XCTFail("\(name): read as a cache")
                continue
            }
            XCTAssertFalse(reason.isEmpty, name)
            XCTAssertThrowsError(try FoundationCacheFile.decode(bytes), "\(name): Foundation read it, so refusing it is new")
        }
    }

    func testCorruptReasonsSayWhatAndWhere() {
        func reason(_ text: String) -> String {
            guard case let .failure(corrupt) = decode(text) else { return "read as a cache" }
            return corrupt.reason
        }
        XCTAssertEqual(reason("[1, 2]"), "the top level is not a JSON object")
        XCTAssertEqual(reason(#"{"issues": {"7": {"title": "x"}}}"#), "missing key 'number' at issues.7")
        XCTAssertEqual(reason(#"{"issues": {"7": {"number": "7"}}}"#), "expected an integer at issues.7.number, found a string")
        XCTAssertEqual(reason(#"{"issues": {"7": {"number": 7, "labels": ["a", 1]}}}"#), "expected a string at issues.7.labels[1], found a number")
        XCTAssertEqual(
            reason(#"{"issues": {"7": {"number": 99999999999999999999}}}"#),
            "99999999999999999999 is not a whole number that fits an Int at issues.7.number")
        XCTAssertEqual(reason(#"{"last_checked": "yesterday"}"#), "'yesterday' is not an ISO-8601 time at last_checked")
        XCTAssertEqual(reason(#"{"issues": {"7": {"number": 7}"#), "not valid JSON (the file ends inside an object)")
        XCTAssertEqual(reason(#"{"issues": x}"#), "not valid JSON (unexpected 'x' at byte 11)")
    }
}

/// The cache file as `IssueCacheStore` wrote and read it with Foundation before `IssueCacheCodec`
/// (`JSONEncoder` with `.prettyPrinted, .sortedKeys, .withoutEscapingSlashes`; reading checked the
/// top level with `JSONSerialization`, then `JSONDecoder`). Kept here as the reference the codec
/// must agree with.
struct FoundationCacheFile: Codable {
    var cache: IssueCache

    static func encode(_ cache: IssueCache) throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return try encoder.encode(FoundationCacheFile(cache: cache))
    }

    static func decode(_ data: Data) throws -> IssueCache {
        guard (try JSONSerialization.jsonObject(with: data)) is [String: Any] else {
            throw CocoaError(.coderReadCorrupt)
        }
        return try JSONDecoder().decode(FoundationCacheFile.self, from: data).cache
    }

    init(cache: IssueCache) {
        self.cache = cache
    }

    enum CodingKeys: String, CodingKey {
        case version
        case lastChecked = "last_checked"
        case lastFullRefresh = "last_full_refresh"
        case updatesCoveredThrough = "updates_covered_through"
        case issues
        case listValidator = "list_validator"
    }

    init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        func date(_ key: CodingKeys) throws -> Date? {
            guard let text = try c.decodeIfPresent(String.self, forKey: key) else { return nil }
            guard let date = Timestamp.parse(text) else {
                throw DecodingError.dataCorruptedError(forKey: key, in: c, debugDescription: "'\(text)' is not an ISO-8601 time")
            }
            return date
        }
        cache = IssueCache()
        cache.lastChecked = try date(.lastChecked)
        cache.lastFullRefresh = try date(.lastFullRefresh)
        cache.updatesCoveredThrough = try date(.updatesCoveredThrough)
        let byKey = try c.decodeIfPresent([String: Issue].self, forKey: .issues) ?? [:]
        for (_, issue) in byKey { cache.issues[issue.number] = issue }
        cache.listValidator = try? c.decodeIfPresent(ListValidator.self, forKey: .listValidator)
    }

    func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(IssueCache.currentVersion, forKey: .version)
        try c.encode(cache.lastChecked.map(Timestamp.format), forKey: .lastChecked)
        try c.encode(cache.lastFullRefresh.map(Timestamp.format), forKey: .lastFullRefresh)
        try c.encode(cache.updatesCoveredThrough.map(Timestamp.format), forKey: .updatesCoveredThrough)
        try c.encode(Dictionary(uniqueKeysWithValues: cache.issues.map { (String($0.key), $0.value) }), forKey: .issues)
        try c.encodeIfPresent(cache.listValidator, forKey: .listValidator)
    }
}

/// `python3` from `PATH`, or nil.
enum PythonOnPath {
    static func find() -> URL? {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? ""
        for directory in path.split(separator: ":") {
            let candidate = URL(fileURLWithPath: String(directory)).appendingPathComponent("python3")
            if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
        }
        return nil
    }
}
