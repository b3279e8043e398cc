/// Percent- and form-encoding for the pieces of URLs and bodies the clients build.
///
/// Encoding works on UTF-8 bytes with an explicit ASCII allow-list: Foundation's
/// `CharacterSet.alphanumerics` also admits non-ASCII letters, which would leave an emoji label or
/// a unicode job name unencoded.
enum HTTPEncoding {
    /// RFC 3986 "unreserved": the only bytes left as they are in a path segment or query value.
    private static func isUnreserved(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
            UInt8(ascii: "0")...UInt8(ascii: "9"),
            UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~"):
            return true
        default:
            return false
        }
    }

    private static let hexDigits = Array("0123456789ABCDEF".utf8)

    private static func encode(_ text: String, keep: (UInt8) -> Bool, spaceAsPlus: Bool) -> String {
        var out: [UInt8] = []
        out.reserveCapacity(text.utf8.count)
        for byte in text.utf8 {
            if keep(byte) {
                out.append(byte)
            } else if spaceAsPlus && byte == UInt8(ascii: " ") {
                out.append(UInt8(ascii: "+"))
            } else {
                out.append(UInt8(ascii: "%"))
                out.append(hexDigits[Int(byte >> 4)])
                out.append(hexDigits[Int(byte & 0x0F)])
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// Encodes `text` as exactly one path segment: `/`, `:`, `%`, `#`, `?`, spaces and non-ASCII
    /// are all escaped, so a label such as `status-02:awaiting-planning` or a folder name with a
    /// slash cannot change the shape of the path.
    static func pathSegment(_ text: String) -> String {
        encode(text, keep: isUnreserved, spaceAsPlus: false)
    }

    /// Encodes `text` as a query parameter name or value.
    static func queryComponent(_ text: String) -> String {
        encode(text, keep: isUnreserved, spaceAsPlus: false)
    }

    /// `application/x-www-form-urlencoded` as browsers and Jenkins read it: space becomes `+`,
    /// everything outside `A-Z a-z 0-9 * - . _` is percent-encoded (so `+`, `&`, `=`, quotes and
    /// newlines survive the trip).
    static func formBody(_ fields: [(name: String, value: String)]) -> String {
        let keep: (UInt8) -> Bool = { byte in
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
                UInt8(ascii: "0")...UInt8(ascii: "9"),
                UInt8(ascii: "*"), UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"):
                return true
            default:
                return false
            }
        }
        return fields
            .map { encode($0.name, keep: keep, spaceAsPlus: true) + "=" + encode($0.value, keep: keep, spaceAsPlus: true) }
            .joined(separator: "&")
    }

    /// A query string (without the leading `?`) from ordered name/value pairs.
    static func query(_ items: [(name: String, value: String)]) -> String {
        items.map { queryComponent($0.name) + "=" + queryComponent($0.value) }.joined(separator: "&")
    }
}
