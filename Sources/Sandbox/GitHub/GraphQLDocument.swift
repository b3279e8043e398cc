import Foundation

/// The shape of a GraphQL document, as far as the Sandbox needs it to answer GitHub's questions:
/// an optional operation header (name, variable definitions), then one selection set of fields
/// with aliases, arguments (`$variable`, string, number, enum name, or a list of those) and
/// inline fragments (`... on LabeledEvent { … }`). Any whitespace, commas and comments.
///
/// Not a GraphQL engine: the questions (`IssuesQuery`) read meaning from this shape and refuse
/// everything else.
enum GraphQLDocument {
    /// The document's top selection set.
    static func parse(_ query: String) throws -> [Field] {
        var parser = Parser(tokens: try tokenize(query).get())
        return try parser.document()
    }

    /// One field of a selection set: `alias: name(arguments) { selection }`. An inline fragment
    /// `... on Type { selection }` is a field named `...` with `typeCondition` `Type`.
    struct Field: Equatable {
        var alias: String?
        var name: String
        var arguments: [String: Token]
        var selection: [Field]?
        var typeCondition: String?
    }

    /// Recursive descent over the tokens: an optional operation header, then one selection set.
    private struct Parser {
        let tokens: [Token]
        var position = 0

        mutating func document() throws -> [Field] {
            if case .name(let keyword)? = peek, keyword == "query" {
                position += 1
                if case .name? = peek { position += 1 }
                if peek == .punctuation("(") { try skipVariableDefinitions() }
            }
            let selection = try selectionSet()
            guard position == tokens.count else { throw unexpected() }
            return selection
        }

        private var peek: Token? { position < tokens.count ? tokens[position] : nil }

        private mutating func next() throws -> Token {
            guard let token = peek else { throw GraphQLFailure("Parse error: unexpected end of document") }
            position += 1
            return token
        }

        private mutating func expect(_ token: Token) throws {
            guard try next() == token else { position -= 1; throw unexpected() }
        }

        private func unexpected() -> GraphQLFailure {
            GraphQLFailure("Parse error on \(peek.map { "\"\($0.text)\"" } ?? "end of document")")
        }

        /// `($owner: String!, $numbers: [Int!]! = [])`: the Sandbox reads variables by name, so
        /// their declarations only need to be well bracketed.
        private mutating func skipVariableDefinitions() throws {
            var depth = 0
            repeat {
                switch try next() {
                case .punctuation("("): depth += 1
                case .punctuation(")"): depth -= 1
                default: break
                }
            } while depth > 0
        }

        /// The questions are at most seven levels deep; a document nested far deeper is none, and must not
        /// exhaust the stack of a recursive parser.
        static let maxDepth = 16

        private mutating func selectionSet(depth: Int = 0) throws -> [Field] {
            guard depth < Self.maxDepth else { throw GraphQLFailure("Parse error: selections nested deeper than \(Self.maxDepth)") }
            try expect(.punctuation("{"))
            var fields: [Field] = []
            while peek != .punctuation("}") {
                fields.append(try field(depth: depth))
            }
            position += 1
            return fields
        }

        private mutating func field(depth: Int) throws -> Field {
            if peek == .spread {
                position += 1
                guard case .name("on")? = peek else { throw unexpected() }
                position += 1
                guard case .name(let type) = try next() else { position -= 1; throw unexpected() }
                return Field(name: "...", arguments: [:], selection: try selectionSet(depth: depth + 1), typeCondition: type)
            }
            guard case .name(var name) = try next() else { position -= 1; throw unexpected() }
            var alias: String?
            if peek == .punctuation(":") {
                position += 1
                guard case .name(let real) = try next() else { position -= 1; throw unexpected() }
                alias = name
                name = real
            }
            var arguments: [String: Token] = [:]
            if peek == .punctuation("(") {
                position += 1
                while peek != .punctuation(")") {
                    guard case .name(let key) = try next() else { position -= 1; throw unexpected() }
                    try expect(.punctuation(":"))
                    arguments[key] = try value()
                }
                position += 1
            }
            let selection = peek == .punctuation("{") ? try selectionSet(depth: depth + 1) : nil
            return Field(alias: alias, name: name, arguments: arguments, selection: selection)
        }

        /// An argument's value: a scalar, or a list of scalars (`[LABELED_EVENT, UNLABELED_EVENT]`).
        private mutating func value() throws -> Token {
            let token = try next()
            switch token {
            case .variable, .string, .number, .name:
                return token
            case .punctuation("["):
                var items: [Token] = []
                while peek != .punctuation("]") {
                    let item = try next()
                    switch item {
                    case .variable, .string, .number, .name: items.append(item)
                    default: position -= 1; throw unexpected()
                    }
                }
                position += 1
                return .list(items)
            default:
                position -= 1
                throw unexpected()
            }
        }
    }

    // MARK: Tokens

    enum Token: Equatable {
        case name(String)
        case variable(String)
        case string(String)
        case number(Int)
        case punctuation(Character)
        /// `...`, which opens an inline fragment.
        case spread
        /// A list argument's values; only the parser makes these.
        case list([Token])

        var text: String {
            switch self {
            case .name(let n): n
            case .variable(let v): "$" + v
            case .string(let s): "\"" + s + "\""
            case .number(let n): String(n)
            case .punctuation(let c): String(c)
            case .spread: "..."
            case .list(let items): "[" + items.map(\.text).joined(separator: ", ") + "]"
            }
        }
    }

    private static func tokenize(_ text: String) -> Result<[Token], GraphQLFailure> {
        var tokens: [Token] = []
        let chars = Array(text)
        var i = 0
        func isNameChar(_ c: Character) -> Bool { c == "_" || c.isASCII && (c.isLetter || c.isNumber) }
        while i < chars.count {
            let c = chars[i]
            if c.isWhitespace || c == "," {
                i += 1
            } else if c == "#" {
                while i < chars.count, chars[i] != "\n" { i += 1 }
            } else if c == ".", i + 2 < chars.count, chars[i + 1] == ".", chars[i + 2] == "." {
                tokens.append(.spread)
                i += 3
            } else if "{}():!=[]@".contains(c) {
                tokens.append(.punctuation(c))
                i += 1
            } else if c == "$" {
                var j = i + 1
                while j < chars.count, isNameChar(chars[j]) { j += 1 }
                tokens.append(.variable(String(chars[(i + 1)..<j])))
                i = j
            } else if c == "\"" {
                var value = ""
                var j = i + 1
                while j < chars.count, chars[j] != "\"" {
                    if chars[j] == "\\", j + 1 < chars.count {
                        j += 1
                    }
                    value.append(chars[j])
                    j += 1
                }
                guard j < chars.count else { return .failure(GraphQLFailure("Parse error: unterminated string")) }
                tokens.append(.string(value))
                i = j + 1
            } else if c == "-" || c.isNumber {
                var j = i + 1
                while j < chars.count, chars[j].isNumber { j += 1 }
                guard let n = Int(String(chars[i..<j])) else { return .failure(GraphQLFailure("Parse error on \"\(String(chars[i..<j]))\"")) }
                tokens.append(.number(n))
                i = j
            } else if isNameChar(c) {
                var j = i + 1
                while j < chars.count, isNameChar(chars[j]) { j += 1 }
                tokens.append(.name(String(chars[i..<j])))
                i = j
            } else {
                return .failure(GraphQLFailure("Parse error on \"\(c)\""))
            }
        }
        return .success(tokens)
    }
}

extension Array where Element == GraphQLDocument.Field {
    /// The selection's one field, when it is `name` without an alias.
    func only(named name: String) -> GraphQLDocument.Field? {
        count == 1 && self[0].name == name && self[0].alias == nil ? self[0] : nil
    }
}

/// A GraphQL error, answered with HTTP 200 as GitHub does.
struct GraphQLFailure: Error, Equatable {
    var message: String
    var type: String?
    var path: [String]

    init(_ message: String, type: String? = nil, path: [String] = []) {
        self.message = message
        self.type = type
        self.path = path
    }
}
