import Foundation

/// The JSON of a GitHub delivery, taken out of the body the way its `Content-Type` says it was
/// sent.
///
/// GitHub's webhook form offers two content types and defaults to the form one:
/// `application/json` sends the payload as the body; `application/x-www-form-urlencoded` sends
/// `payload=<percent-encoded JSON>`. Both are signed over the raw body as it travelled, so this
/// runs only after the signature has been checked on the bytes received.
enum WebhookBody {
    static let jsonType = "application/json"
    static let formType = "application/x-www-form-urlencoded"
    /// The form field GitHub puts the JSON in.
    static let payloadField = "payload"

    /// Why a body holds no payload to decode; the text is the endpoint's answer.
    enum Problem: Error, Equatable, Sendable {
        case unsupportedType(String)
        case noPayloadField
        case formNotDecodable

        var message: String {
            switch self {
            case .unsupportedType(let type):
                "content type '\(type)' is not supported: set the webhook's content type on GitHub to "
                    + "application/json (or application/x-www-form-urlencoded)"
            case .noPayloadField:
                "form-encoded body has no '\(WebhookBody.payloadField)' field: GitHub sends the JSON payload there; "
                    + "check the webhook's content type"
            case .formNotDecodable:
                "form-encoded body is not valid percent-encoded UTF-8"
            }
        }
    }

    /// The payload JSON in `body`. A missing `Content-Type` is read as JSON, which is what
    /// GitHub's JSON deliveries and hand-made ones (curl `--data`, tests) mean.
    static func json(from body: Data, contentType: String?) -> Result<Data, Problem> {
        switch mediaType(contentType) {
        case nil, jsonType?:
            return .success(body)
        case formType?:
            return formPayload(body)
        case let other?:
            return .failure(.unsupportedType(shown(other)))
        }
    }

    /// The media type of a `Content-Type` value, lowercased, without parameters
    /// (`Application/JSON; charset=utf-8` → `application/json`); nil when there is none.
    static func mediaType(_ header: String?) -> String? {
        guard let header else { return nil }
        let type = header.split(separator: ";", maxSplits: 1, omittingEmptySubsequences: false).first ?? ""
        let trimmed = type.trimmingCharacters(in: .whitespaces).lowercased()
        return trimmed.isEmpty ? nil : trimmed
    }

    /// A media type from outside, safe to echo: the type as sent when it is a short token of
    /// letters, digits and `/+-._`, else `<malformed>`.
    static func shown(_ type: String) -> String {
        let allowed = type.utf8.count <= LoggableHeader.maxLength
            && type.unicodeScalars.allSatisfy { scalar in
                scalar.isASCII && (CharacterSet.alphanumerics.contains(scalar) || "/+-._".unicodeScalars.contains(scalar))
            }
        return allowed ? type : "<malformed>"
    }

    /// The decoded `payload` field of a form body (`a=1&payload=%7B…%7D`), the first if sent twice.
    static func formPayload(_ body: Data) -> Result<Data, Problem> {
        for pair in body.split(separator: UInt8(ascii: "&"), omittingEmptySubsequences: true) {
            let parts = pair.split(separator: UInt8(ascii: "="), maxSplits: 1, omittingEmptySubsequences: false)
            guard let name = formDecode(parts[0]), String(decoding: name, as: UTF8.self) == payloadField else { continue }
            guard let value = formDecode(parts.count > 1 ? parts[1] : Data()),
                  String(validating: value, as: UTF8.self) != nil
            else {
                return .failure(.formNotDecodable)
            }
            return .success(value)
        }
        return .failure(.noPayloadField)
    }

    /// `application/x-www-form-urlencoded` decoding of one name or value: `+` is a space, `%XX` a
    /// byte. nil for a `%` not followed by two hex digits.
    static func formDecode(_ encoded: Data) -> Data? {
        var decoded = Data()
        decoded.reserveCapacity(encoded.count)
        var index = encoded.startIndex
        while index < encoded.endIndex {
            let byte = encoded[index]
            switch byte {
            case UInt8(ascii: "+"):
                decoded.append(UInt8(ascii: " "))
                index += 1
            case UInt8(ascii: "%"):
                guard encoded.endIndex - index >= 3,
                      let high = hexValue(encoded[index + 1]), let low = hexValue(encoded[index + 2])
                else { return nil }
                decoded.append(high << 4 | low)
                index += 3
            default:
                decoded.append(byte)
                index += 1
            }
        }
        return decoded
    }

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}
