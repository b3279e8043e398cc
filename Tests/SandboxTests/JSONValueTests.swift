import Foundation
import XCTest
@testable import Sandbox

/// Request bodies parse to the exact JSON types a client sent, and what GitHub would refuse is refused.
final class JSONValueTests: XCTestCase {
    func parse(_ text: String) -> JSONValue? {
        JSONValue.parse(Data(text.utf8))
    }

    func testBooleansAreNotNumbersAndNumbersAreNotBooleans() {
        XCTAssertEqual(parse("[true, 1, false, 0]"), .array([.bool(true), .int(1), .bool(false), .int(0)]))
        XCTAssertEqual(parse("true"), .bool(true))
        XCTAssertEqual(parse("1"), .int(1))
        XCTAssertEqual(parse(#"{"pull_request": 1}"#)?["pull_request"] == .bool(true), false)
    }

    func testIntegersThatFitAreIntAndOtherNumbersDouble() {
        let cases: [(String, JSONValue)] = [
            ("0", .int(0)), ("-0", .int(0)), ("42", .int(42)), ("-7", .int(-7)),
            ("9223372036854775807", .int(.max)), ("-9223372036854775808", .int(.min)),
            ("9223372036854775808", .double(9_223_372_036_854_775_808)), ("18446744073709551615", .double(18_446_744_073_709_551_615)),
            ("99999999999999999999", .double(1e20)), ("1.5", .double(1.5)), ("1.0", .double(1)), ("1e2", .double(100)),
            ("-0.25", .double(-0.25)), ("0.1", .double(0.1)), ("2.5E-3", .double(0.0025)),
        ]
        for (text, expected) in cases {
            XCTAssertEqual(parse(text), expected, text)
        }
        XCTAssertEqual(parse("1e2")?.intValue, 100)
    }

    func testStringsAndStructure() {
        XCTAssertEqual(parse(#""a\"b\\c\/d\n\u00e9\ud83d\ude80 ✨""#), .string("a\"b\\c/d\né🚀 ✨"))
        XCTAssertEqual(parse(#""\u0000""#), .string("\u{0}"))
        let body = parse(#" {"labels": ["a", {"name": "b"}], "variables": {"n": 3, "s": null}, "empty": {}} "#)
        XCTAssertEqual(body?["labels"], .array([.string("a"), .object([("name", .string("b"))])]))
        XCTAssertEqual(body?["variables"]?["n"], .int(3))
        XCTAssertEqual(body?["variables"]?["s"], .null)
        XCTAssertEqual(body?["empty"], .object([]))
        XCTAssertNil(body?["missing"])
        XCTAssertEqual(parse("null"), .null)
        XCTAssertEqual(parse("[]"), .array([]))
    }

    func testObjectKeysComeBackSortedAndTheLastOfTwoEqualKeysWins() {
        XCTAssertEqual(parse(#"{"b": 1, "a": 2, "c": 3}"#), .object([("a", .int(2)), ("b", .int(1)), ("c", .int(3))]))
        XCTAssertEqual(parse(#"{"labels": ["a"], "labels": ["b"]}"#)?["labels"], .array([.string("b")]))
    }

    func testWhatIsNotJSONIsNil() {
        let invalid = [
            "", " ", "nul", "tru", "[1 2]", "[1,]", "[1, ]", "{\"a\": 1,}", "{\"a\": 1 , \n}", "[,1]", "{,}", "{\"a\" 1}",
            "{a: 1}", "'x'", "01", "1.", ".5", "+1", "-", "1e", "NaN", "Infinity", "1e400", "-1e400", "[1]x", "{}{}",
            #""\x""#, #""\ud800""#, #""\udc00""#, #""\u12""#, "\"a\u{1}b\"", "\"tab\there\"", "\"unterminated",
            String(repeating: "[", count: 600) + String(repeating: "]", count: 600),
        ]
        for text in invalid {
            XCTAssertNil(parse(text), text)
        }
        XCTAssertNil(JSONValue.parse(Data([0xEF, 0xBB, 0xBF]) + Data("[1]".utf8)), "byte order mark")
        XCTAssertNil(JSONValue.parse(Data("[\"a\"]".utf16.flatMap { [UInt8($0 & 0xFF), UInt8($0 >> 8)] })), "UTF-16")
        XCTAssertNil(JSONValue.parse(Data([0x22, 0xFF, 0x22])), "invalid UTF-8")
        XCTAssertNil(JSONValue.parse(Data([0x22, 0xC3, 0x22])), "truncated UTF-8")
    }

    func testCommasInsideStringsAreNotTrailingCommas() {
        XCTAssertEqual(parse(#"["a,]", "b,}", "\",]"]"#), .array([.string("a,]"), .string("b,}"), .string("\",]")]))
        XCTAssertEqual(parse(#"{"k,": "\\", "l": [1, 2]}"#)?["l"], .array([.int(1), .int(2)]))
    }

    func testSerialisedValuesParseBack() {
        let value = JSONValue.object([
            ("z", .array([.int(1), .double(2.5), .bool(false), .null])), ("a", .string("é \"q\" \u{1} 🚀")),
            ("m", .object([("x", .int(-3))])),
        ])
        guard case let .object(pairs)? = JSONValue.parse(value.data) else { return XCTFail("no object") }
        XCTAssertEqual(pairs.map(\.0), ["a", "m", "z"])
        for (key, member) in pairs { XCTAssertEqual(member, value[key], key) }
    }
}
