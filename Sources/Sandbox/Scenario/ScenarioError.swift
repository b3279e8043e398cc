import Foundation

/// Why a scenario could not be used, naming the file and the exact place in it.
public struct ScenarioError: Error, CustomStringConvertible, Sendable, Equatable {
    /// The file, when the scenario came from one.
    public var file: String?
    /// Dotted path into the document, e.g. `github.repositories[1].issues[3].created_at`.
    public var location: String
    public var problem: String

    public init(file: String? = nil, location: String, problem: String) {
        self.file = file
        self.location = location
        self.problem = problem
    }

    public var description: String {
        let place = location.isEmpty ? "" : " at \(location)"
        return "scenario \(file ?? "(in memory)")\(place): \(problem)"
    }

    init(file: String?, decoding error: DecodingError) {
        func path(_ codingPath: [any CodingKey]) -> String {
            codingPath.reduce(into: "") { out, key in
                if let index = key.intValue {
                    out += "[\(index)]"
                } else {
                    out += out.isEmpty ? key.stringValue : ".\(key.stringValue)"
                }
            }
        }
        switch error {
        case .typeMismatch(let type, let context):
            self.init(file: file, location: path(context.codingPath), problem: "expected \(Self.jsonName(type))")
        case .valueNotFound(let type, let context):
            self.init(file: file, location: path(context.codingPath), problem: "expected \(Self.jsonName(type)), found null")
        case .keyNotFound(let key, let context):
            self.init(file: file, location: path(context.codingPath), problem: "missing required key \"\(key.stringValue)\"")
        case .dataCorrupted(let context):
            let underlying = (context.underlyingError as NSError?)?.userInfo[NSDebugDescriptionErrorKey] as? String
            self.init(
                file: file, location: path(context.codingPath),
                problem: "not valid JSON: \(underlying ?? context.debugDescription)"
            )
        @unknown default:
            self.init(file: file, location: "", problem: "\(error)")
        }
    }

    private static func jsonName(_ type: Any.Type) -> String {
        switch type {
        case is String.Type: "a string"
        case is Int.Type: "an integer"
        case is Bool.Type: "true or false"
        case is [Any].Type: "an array"
        default: "a value of type \(type)"
        }
    }
}
