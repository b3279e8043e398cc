/// What may become an HTTP header field. Names and values that come from outside (a Jenkins crumb
/// issuer, say) are checked with this before they reach NIO, whose header storage traps on an
/// invalid name instead of throwing.
enum HeaderField {
    /// RFC 9110 `token`: one or more of `!#$%&'*+-.^_`|~`, digits and ASCII letters.
    static func isValidName(_ name: String) -> Bool {
        !name.isEmpty && name.utf8.allSatisfy { byte in
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"):
                return true
            default:
                return "!#$%&'*+-.^_`|~".utf8.contains(byte)
            }
        }
    }

    /// RFC 9110 `field-value`: visible ASCII, spaces and tabs, and bytes from 0x80 up; never CR, LF
    /// or another control character, which could end the header early.
    static func isValidValue(_ value: String) -> Bool {
        value.utf8.allSatisfy { $0 == UInt8(ascii: "\t") || ($0 >= 0x20 && $0 != 0x7F) }
    }
}
