import Foundation

/// The one GraphQL question the Sandbox answers: which branches are linked to one issue, or to
/// several at once through aliases, as GitHub allows:
///
/// ```graphql
/// query($owner:String!,$name:String!){ repository(owner:$owner,name:$name){
///   i101: issue(number:101){ linkedBranches(first:10){ nodes{ ref{ name } } } }
///   i102: issue(number:$second){ linkedBranches(first:10){ totalCount nodes{ ref{ name } } } } } }
/// ```
///
/// Rather than a full GraphQL engine, a small parser reads the document's shape (fields, aliases,
/// arguments as `$variable` or inline literal, selection sets) and accepts exactly that question:
/// every spelling a client would send (named or anonymous operation, any whitespace, commas,
/// comments), nothing that asks for something else.
struct LinkedBranchesQuery: Equatable {
    /// What one `issue(number:)` field asks; `key` is where the answer goes (its alias, else "issue").
    struct IssueField: Equatable {
        var key: String
        var number: Int
        var first: Int
        /// The connection's fields in the order asked: `nodes`, `totalCount`.
        var connectionFields: [String]
    }

    /// Where the repository's answer goes (its alias, else "repository").
    var repositoryKey: String
    var owner: String
    var name: String
    var issues: [IssueField]

    static let shapeMessage =
        "The Sandbox answers only repository(owner:,name:){ [alias:] issue(number:){linkedBranches(first:){nodes{ref{name}}}} … }"

    static func parse(query: String, variables: JSONValue?) -> Result<LinkedBranchesQuery, GraphQLFailure> {
        do {
            var parser = Parser(tokens: try tokenize(query).get())
            let selection = try parser.document()
            return .success(try interpret(selection, variables: variables))
        } catch let failure as GraphQLFailure {
            return .failure(failure)
        } catch {
            return .failure(GraphQLFailure("\(error)"))
        }
    }

    // MARK: Meaning

    private static func interpret(_ selection: [Field], variables: JSONValue?) throws -> LinkedBranchesQuery {
        guard selection.count == 1, let repository = selection.first, repository.name == "repository",
              let repositorySelection = repository.selection, !repositorySelection.isEmpty
        else { throw GraphQLFailure(shapeMessage) }
        let owner = try string(repository, "owner", variables: variables)
        let name = try string(repository, "name", variables: variables)

        var issues: [IssueField] = []
        for field in repositorySelection {
            guard field.name == "issue", let branches = field.selection?.only(named: "linkedBranches"),
                  let connection = branches.selection, !connection.isEmpty,
                  connection.allSatisfy({ ["nodes", "totalCount"].contains($0.name) && $0.alias == nil })
            else { throw GraphQLFailure(shapeMessage) }
            let number = try int(field, "number", variables: variables)
            guard branches.arguments["first"] != nil else {
                throw GraphQLFailure("You must provide a `first` or `last` value to properly paginate the `linkedBranches` connection.")
            }
            let first = try int(branches, "first", variables: variables)
            guard (0...100).contains(first) else {
                throw GraphQLFailure("Requesting \(first) records on the `linkedBranches` connection exceeds the `first` limit of 100 records.")
            }
            // GraphQL merges same-named fields only when they ask the same; two different issues
            // under one key is GitHub's "fields conflict" error.
            let key = field.alias ?? field.name
            if let earlier = issues.first(where: { $0.key == key }), earlier.number != number || earlier.first != first {
                throw GraphQLFailure("Field '\(key)' conflict because they have differing arguments. Use different aliases on the fields to fetch both if this was intentional.")
            }
            issues.append(IssueField(key: key, number: number, first: first, connectionFields: connection.map(\.name)))
        }
        return LinkedBranchesQuery(
            repositoryKey: repository.alias ?? repository.name, owner: owner, name: name,
            issues: issues.reduce(into: []) { kept, issue in if !kept.contains(where: { $0.key == issue.key }) { kept.append(issue) } })
    }

    private static func resolve(_ field: Field, _ argument: String, type: String, variables: JSONValue?) throws -> JSONValue {
        switch field.arguments[argument] {
        case .variable(let v)?:
            guard let value = variables?[v], value != .null else {
                throw GraphQLFailure("Variable $\(v) of type \(type) was provided invalid value")
            }
            return value
        case .string(let s)?: return .string(s)
        case .number(let n)?: return .int(n)
        case nil: throw GraphQLFailure("Field '\(field.name)' is missing required arguments: \(argument)")
        default: throw GraphQLFailure("Argument '\(argument)' on Field '\(field.name)' has an invalid value.")
        }
    }

    private static func string(_ field: Field, _ argument: String, variables: JSONValue?) throws -> String {
        guard let value = try resolve(field, argument, type: "String!", variables: variables).stringValue else {
            throw GraphQLFailure("Argument '\(argument)' on Field '\(field.name)' has an invalid value. Expected type 'String!'.")
        }
        return value
    }

    private static func int(_ field: Field, _ argument: String, variables: JSONValue?) throws -> Int {
        guard let value = try resolve(field, argument, type: "Int!", variables: variables).intValue else {
            throw GraphQLFailure("Argument '\(argument)' on Field '\(field.name)' has an invalid value. Expected type 'Int!'.")
        }
        return value
    }

    // MARK: Shape

    /// One field of a selection set: `alias: name(arguments) { selection }`.
    struct Field: Equatable {
        var alias: String?
        var name: String
        var arguments: [String: Token]
        var selection: [Field]?
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

        /// The question is five levels deep; a document nested far deeper is not it, and must not
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
                    let value = try next()
                    switch value {
                    case .variable, .string, .number, .name: arguments[key] = value
                    case .punctuation: position -= 1; throw unexpected()
                    }
                }
                position += 1
            }
            let selection = peek == .punctuation("{") ? try selectionSet(depth: depth + 1) : nil
            return Field(alias: alias, name: name, arguments: arguments, selection: selection)
        }
    }

    // MARK: Tokens

    enum Token: Equatable {
        case name(String)
        case variable(String)
        case string(String)
        case number(Int)
        case punctuation(Character)

        var text: String {
            switch self {
            case .name(let n): n
            case .variable(let v): "$" + v
            case .string(let s): "\"" + s + "\""
            case .number(let n): String(n)
            case .punctuation(let c): String(c)
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

private extension Array where Element == LinkedBranchesQuery.Field {
    /// The selection's one field, when it is `name` without an alias.
    func only(named name: String) -> LinkedBranchesQuery.Field? {
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
