import Foundation

extension JSONText {
    /// Reads what `JSONText` wrote back into the same types: a client of `serve`'s reports
    /// (`coordinator status --server`, …) decodes the documents the local commands print.
    ///
    /// `JSONText` writes snake_case keys (`convertToSnakeCase`); Foundation's
    /// `convertFromSnakeCase` does not give back names with an acronym (`queue_id` becomes
    /// `queueId`, not `queueID`), so the keys are turned back the way this project spells its
    /// names: camelCase words, `ID` and `URL` in capitals (`dispatch_id` → `dispatchID`,
    /// `build_url` → `buildURL`). A key without an underscore is left as it is.
    public static func decoder() -> JSONDecoder {
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .custom { path in
            JSONKey(path.last.map { swiftName(ofSnakeCase: $0.stringValue) } ?? "")
        }
        return decoder
    }

    /// `queue_id` → `queueID`, `busy_since_source` → `busySinceSource`.
    static func swiftName(ofSnakeCase key: String) -> String {
        let words = key.split(separator: "_", omittingEmptySubsequences: false)
        guard words.count > 1, let first = words.first, !words.contains(where: \.isEmpty) else { return key }
        return String(first) + words.dropFirst().map { word -> String in
            switch word {
            case "id": return "ID"
            case "url": return "URL"
            default: return word.prefix(1).uppercased() + word.dropFirst()
            }
        }.joined()
    }

    private struct JSONKey: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(_ string: String) { stringValue = string }
        init?(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }
}
