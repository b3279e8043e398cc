import Foundation
import NIOHTTP1

/// The answer's body was not the JSON the client expected; `message` says where and how.
struct MalformedAnswer: Error {
    var message: String
}

extension HTTPAnswer {
    /// What the server said went wrong, in one line an operator can read: a JSON `message` (GitHub's
    /// error body), else the body when it is short plain text, else the status's reason phrase.
    /// HTML error pages (Jenkins, proxies) are reduced to the reason phrase: the caller's error
    /// already names the status and URL, and markup helps no one.
    var errorText: String {
        if let payload = try? JSONDecoder().decode(ErrorPayload.self, from: body) {
            return payload.message
        }
        let text = String(decoding: body.prefix(300), as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        if !text.isEmpty, !text.contains("<") { return String(text.prefix(200)) }
        return HTTPResponseStatus(statusCode: status).reasonPhrase
    }

    /// The body decoded as `type`.
    func decoded<T: Decodable>(_ type: T.Type) throws(MalformedAnswer) -> T {
        do {
            return try JSONDecoder().decode(type, from: body)
        } catch DecodingError.dataCorrupted(let context) where context.codingPath.isEmpty {
            // Not JSON at all: the start of the body says what came instead (a proxy's page, say).
            throw MalformedAnswer(message: "not JSON: \(String(decoding: body.prefix(80), as: UTF8.self))")
        } catch {
            throw MalformedAnswer(message: DecodingErrorText.describe(error))
        }
    }

    /// `{"message": "Bad credentials", …}`: GitHub's error body, and what many other APIs send.
    private struct ErrorPayload: Decodable {
        var message: String
    }
}
