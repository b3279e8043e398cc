import Foundation

/// Turns a `DecodingError` into one line a person can act on (which key, what was wrong), instead
/// of the nested debug dump Foundation prints.
enum DecodingErrorText {
    static func describe(_ error: Error) -> String {
        guard let error = error as? DecodingError else { return "\(error)" }
        func path(_ keys: [CodingKey]) -> String {
            keys.isEmpty ? "top level" : keys.map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue }.joined(separator: ".")
        }
        switch error {
        case let .dataCorrupted(context):
            if let underlying = context.underlyingError as NSError? {
                return "not valid JSON (\(underlying.localizedDescription))"
            }
            return "\(context.debugDescription) at \(path(context.codingPath))"
        case let .keyNotFound(key, context):
            return "missing key '\(key.stringValue)' at \(path(context.codingPath))"
        case let .typeMismatch(type, context):
            return "expected \(type) at \(path(context.codingPath))"
        case let .valueNotFound(type, context):
            return "missing \(type) value at \(path(context.codingPath))"
        @unknown default:
            return "\(error)"
        }
    }
}
