import Foundation
#if canImport(CoreFoundation)
import CoreFoundation
#endif

/// A JSON document with ordered object keys.
///
/// Responses are built from this rather than from `Codable` structs because GitHub and Jenkins
/// send explicit `null`s (`closed_at`, `body`, `executable`) that synthesized encoding drops,
/// and because a stable key order keeps ETags stable for identical data.
enum JSONValue: Sendable, Equatable {
    case null
    case bool(Bool)
    case int(Int)
    case double(Double)
    case string(String)
    case array([JSONValue])
    case object([(String, JSONValue)])

    static func == (lhs: JSONValue, rhs: JSONValue) -> Bool {
        switch (lhs, rhs) {
        case (.null, .null): true
        case let (.bool(a), .bool(b)): a == b
        case let (.int(a), .int(b)): a == b
        case let (.double(a), .double(b)): a == b
        case let (.string(a), .string(b)): a == b
        case let (.array(a), .array(b)): a == b
        case let (.object(a), .object(b)):
            a.count == b.count && zip(a, b).allSatisfy { $0.0 == $1.0 && $0.1 == $1.1 }
        default: false
        }
    }

    subscript(key: String) -> JSONValue? {
        guard case .object(let pairs) = self else { return nil }
        return pairs.first { $0.0 == key }?.1
    }

    var stringValue: String? {
        if case .string(let s) = self { return s }
        return nil
    }

    var intValue: Int? {
        switch self {
        case .int(let i): return i
        case .double(let d) where d.rounded() == d && abs(d) < 1e15: return Int(d)
        default: return nil
        }
    }

    var arrayValue: [JSONValue]? {
        if case .array(let a) = self { return a }
        return nil
    }

    static func optional(_ string: String?) -> JSONValue {
        string.map(JSONValue.string) ?? .null
    }
}

// MARK: - Serialisation

extension JSONValue {
    var serialized: String {
        var out = ""
        write(to: &out)
        return out
    }

    var data: Data { Data(serialized.utf8) }

    private func write(to out: inout String) {
        switch self {
        case .null: out += "null"
        case .bool(let b): out += b ? "true" : "false"
        case .int(let i): out += String(i)
        case .double(let d): out += d.isFinite ? String(d) : "null"
        case .string(let s): Self.writeString(s, to: &out)
        case .array(let items):
            out += "["
            for (index, item) in items.enumerated() {
                if index > 0 { out += "," }
                item.write(to: &out)
            }
            out += "]"
        case .object(let pairs):
            out += "{"
            for (index, (key, value)) in pairs.enumerated() {
                if index > 0 { out += "," }
                Self.writeString(key, to: &out)
                out += ":"
                value.write(to: &out)
            }
            out += "}"
        }
    }

    private static func writeString(_ string: String, to out: inout String) {
        out += "\""
        for scalar in string.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where scalar.value < 0x20:
                out += String(format: "\\u%04x", scalar.value)
            default: out.unicodeScalars.append(scalar)
            }
        }
        out += "\""
    }
}

// MARK: - Parsing

extension JSONValue {
    /// Parses a request body; `nil` when it is not well-formed JSON (RFC 8259, UTF-8, any value at
    /// the top level).
    ///
    /// Objects come back with their keys sorted: nothing reads a request body's key order, and
    /// `JSONSerialization` keeps none. Of two equal keys the last wins, as with GitHub's parser.
    static func parse(_ data: Data) -> JSONValue? {
        guard !hasSyntaxFoundationForgives(data),
              let object = try? JSONSerialization.jsonObject(with: data, options: [.fragmentsAllowed])
        else { return nil }
        return JSONValue(foundation: object)
    }

    /// `JSONSerialization` on Linux reads a comma before `]` or `}`, a byte order mark, and UTF-16 or
    /// UTF-32 bodies; GitHub answers all of them "Problems parsing JSON", and so does the Sandbox.
    /// (UTF-16 and UTF-32 hold zero bytes in any JSON text; valid UTF-8 JSON never does.)
    private static func hasSyntaxFoundationForgives(_ data: Data) -> Bool {
        if data.starts(with: [0xEF, 0xBB, 0xBF]) { return true }
        var inString = false, escaped = false, afterComma = false
        for byte in data {
            if byte == 0 { return true }
            if inString {
                if escaped {
                    escaped = false
                } else if byte == UInt8(ascii: "\\") {
                    escaped = true
                } else if byte == UInt8(ascii: "\"") {
                    inString = false
                }
                continue
            }
            switch byte {
            case 0x20, 0x09, 0x0A, 0x0D: continue
            case UInt8(ascii: "]"), UInt8(ascii: "}"): if afterComma { return true }
            default: break
            }
            afterComma = byte == UInt8(ascii: ",")
            inString = byte == UInt8(ascii: "\"")
        }
        return false
    }

    /// Maps what `JSONSerialization` returns. Its numbers are all `NSNumber`, and on Linux `true`
    /// bridges to `Int` and `1` to `Bool`, so booleans are told apart by their CoreFoundation type,
    /// never by a cast.
    private init?(foundation object: Any) {
        switch object {
        case is NSNull:
            self = .null
        case let text as String:
            self = .string(text)
        case let number as NSNumber:
            guard let value = Self.number(number) else { return nil }
            self = value
        case let items as [Any]:
            var values: [JSONValue] = []
            values.reserveCapacity(items.count)
            for item in items {
                guard let value = JSONValue(foundation: item) else { return nil }
                values.append(value)
            }
            self = .array(values)
        case let members as [String: Any]:
            var pairs: [(String, JSONValue)] = []
            pairs.reserveCapacity(members.count)
            for (key, member) in members.sorted(by: { $0.key < $1.key }) {
                guard let value = JSONValue(foundation: member) else { return nil }
                pairs.append((key, value))
            }
            self = .object(pairs)
        default:
            return nil
        }
    }

    /// An integer that fits `Int` is `.int`; a number written with a fraction or an exponent, or
    /// past `Int`, is `.double`, as the hand-written parser before gave them.
    private static func number(_ number: NSNumber) -> JSONValue? {
        if CFGetTypeID(number) == CFBooleanGetTypeID() { return .bool(number.boolValue) }
        if let decimal = number as? NSDecimalNumber {
            // Foundation keeps long numbers (20 digits, or 17 significant ones) as decimals.
            let value = decimal.decimalValue
            var whole = Decimal()
            var copy = value
            NSDecimalRound(&whole, &copy, 0, .plain)
            if whole == value, value >= Decimal(Int.min), value <= Decimal(Int.max) {
                return .int(decimal.intValue)
            }
            return decimal.doubleValue.isFinite ? .double(decimal.doubleValue) : nil
        }
        switch UInt8(bitPattern: number.objCType.pointee) {
        case UInt8(ascii: "d"), UInt8(ascii: "f"):
            return number.doubleValue.isFinite ? .double(number.doubleValue) : nil
        case UInt8(ascii: "Q"), UInt8(ascii: "L"):
            return Int(exactly: number.uint64Value).map(JSONValue.int) ?? .double(number.doubleValue)
        default:
            return .int(number.intValue)
        }
    }
}
