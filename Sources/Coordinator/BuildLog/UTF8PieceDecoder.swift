/// Decodes UTF-8 fed in arbitrary pieces: a scalar split between two pieces decodes as if it had
/// come whole. Invalid bytes become U+FFFD, one per maximal invalid subpart (as the Unicode
/// standard recommends), so a stray byte never swallows the valid text after it.
struct UTF8PieceDecoder: Sendable {
    private var needed = 0
    private var value: UInt32 = 0
    /// Bounds of the next continuation byte (narrower after E0, ED, F0, F4: no overlong form,
    /// no surrogate, nothing above U+10FFFF).
    private var lower: UInt8 = 0x80
    private var upper: UInt8 = 0xBF

    static let replacement: Unicode.Scalar = "\u{FFFD}"

    /// Feeds one byte; returns the scalars it completes, in order (at most two: a U+FFFD for a
    /// sequence the byte broke, then the byte itself).
    mutating func decode(_ byte: UInt8) -> (Unicode.Scalar?, Unicode.Scalar?) {
        var broken: Unicode.Scalar?
        var completed: Unicode.Scalar?
        decode(byte) { scalar in
            if broken == nil, completed == nil { broken = scalar } else { completed = scalar }
        }
        return (broken, completed)
    }

    private mutating func decode(_ byte: UInt8, emit: (Unicode.Scalar) -> Void) {
        if needed > 0 {
            if (lower...upper).contains(byte) {
                value = value << 6 | UInt32(byte & 0x3F)
                needed -= 1
                lower = 0x80
                upper = 0xBF
                if needed == 0 { emit(Unicode.Scalar(value) ?? Self.replacement) }
                return
            }
            needed = 0
            emit(Self.replacement)
        }
        lower = 0x80
        upper = 0xBF
        switch byte {
        case 0x00...0x7F:
            emit(Unicode.Scalar(byte))
        case 0xC2...0xDF:
            start(1, UInt32(byte & 0x1F))
        case 0xE0:
            start(2, UInt32(byte & 0x0F))
            lower = 0xA0
        case 0xE1...0xEC, 0xEE...0xEF:
            start(2, UInt32(byte & 0x0F))
        case 0xED:
            start(2, UInt32(byte & 0x0F))
            upper = 0x9F
        case 0xF0:
            start(3, UInt32(byte & 0x07))
            lower = 0x90
        case 0xF1...0xF3:
            start(3, UInt32(byte & 0x07))
        case 0xF4:
            start(3, UInt32(byte & 0x07))
            upper = 0x8F
        default:
            emit(Self.replacement)
        }
    }

    private mutating func start(_ count: Int, _ bits: UInt32) {
        needed = count
        value = bits
    }

    /// Ends the input: a half-decoded scalar becomes U+FFFD.
    mutating func finish() -> Unicode.Scalar? {
        guard needed > 0 else { return nil }
        needed = 0
        return Self.replacement
    }
}
