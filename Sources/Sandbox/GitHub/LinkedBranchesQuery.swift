import Foundation

/// The one GraphQL question the Sandbox answers: which branches are linked to an issue.
///
/// Rather than a full GraphQL engine, a tokenizer finds the arguments of `repository(…)`,
/// `issue(…)` and `linkedBranches(…)`, each a `$variable` or an inline literal. That accepts
/// every spelling of the query a client would send (named or anonymous operation, any
/// whitespace, commas, comments) while rejecting anything that asks for something else.
struct LinkedBranchesQuery: Equatable {
    var owner: String
    var name: String
    var number: Int
    var first: Int
    var wantsTotalCount: Bool

    static func parse(query: String, variables: JSONValue?) -> Result<LinkedBranchesQuery, GraphQLFailure> {
        let tokens: [Token]
        switch tokenize(query) {
        case .success(let t): tokens = t
        case .failure(let f): return .failure(f)
        }
        guard let repositoryArgs = arguments(of: "repository", in: tokens),
              let issueArgs = arguments(of: "issue", in: tokens),
              let branchArgs = arguments(of: "linkedBranches", in: tokens)
        else {
            return .failure(GraphQLFailure(
                "The Sandbox answers only repository(owner:,name:){issue(number:){linkedBranches(first:){nodes{ref{name}}}}}"
            ))
        }
        func resolve(_ args: [String: Token], _ name: String, type: String) -> Result<JSONValue, GraphQLFailure> {
            switch args[name] {
            case .variable(let v)?:
                guard let value = variables?[v], value != .null else {
                    return .failure(GraphQLFailure("Variable $\(v) of type \(type) was provided invalid value"))
                }
                return .success(value)
            case .string(let s)?: return .success(.string(s))
            case .number(let n)?: return .success(.int(n))
            case nil: return .failure(GraphQLFailure("Field is missing required argument: \(name)"))
            default: return .failure(GraphQLFailure("Argument '\(name)' has an invalid value"))
            }
        }
        func string(_ args: [String: Token], _ name: String) -> Result<String, GraphQLFailure> {
            resolve(args, name, type: "String!").flatMap { value in
                value.stringValue.map { .success($0) }
                    ?? .failure(GraphQLFailure("Argument '\(name)' on Field 'repository' has an invalid value. Expected type 'String!'."))
            }
        }
        func int(_ args: [String: Token], _ name: String, field: String) -> Result<Int, GraphQLFailure> {
            resolve(args, name, type: "Int!").flatMap { value in
                value.intValue.map { .success($0) }
                    ?? .failure(GraphQLFailure("Argument '\(name)' on Field '\(field)' has an invalid value. Expected type 'Int!'."))
            }
        }
        do {
            let owner = try string(repositoryArgs, "owner").get()
            let name = try string(repositoryArgs, "name").get()
            let number = try int(issueArgs, "number", field: "issue").get()
            guard branchArgs["first"] != nil else {
                throw GraphQLFailure("You must provide a `first` or `last` value to properly paginate the `linkedBranches` connection.")
            }
            let first = try int(branchArgs, "first", field: "linkedBranches").get()
            guard (0...100).contains(first) else {
                throw GraphQLFailure("Requesting \(first) records on the `linkedBranches` connection exceeds the `first` limit of 100 records.")
            }
            let wantsTotalCount = tokens.contains(.name("totalCount"))
            return .success(LinkedBranchesQuery(owner: owner, name: name, number: number, first: first, wantsTotalCount: wantsTotalCount))
        } catch let failure as GraphQLFailure {
            return .failure(failure)
        } catch {
            return .failure(GraphQLFailure("\(error)"))
        }
    }

    // MARK: Tokens

    enum Token: Equatable {
        case name(String)
        case variable(String)
        case string(String)
        case number(Int)
        case punctuation(Character)
    }

    /// Arguments of the first selection of `field` that has an argument list.
    private static func arguments(of field: String, in tokens: [Token]) -> [String: Token]? {
        var i = 0
        while i < tokens.count {
            defer { i += 1 }
            guard tokens[i] == .name(field), i + 1 < tokens.count, tokens[i + 1] == .punctuation("(") else { continue }
            var args: [String: Token] = [:]
            var j = i + 2
            while j + 2 < tokens.count, tokens[j] != .punctuation(")") {
                guard case .name(let key) = tokens[j], tokens[j + 1] == .punctuation(":") else { return nil }
                args[key] = tokens[j + 2]
                j += 3
            }
            return args
        }
        return nil
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
            } else if c == "." {
                i += 1
            } else {
                return .failure(GraphQLFailure("Parse error on \"\(c)\""))
            }
        }
        let opens = tokens.filter { $0 == .punctuation("{") }.count
        let closes = tokens.filter { $0 == .punctuation("}") }.count
        guard opens == closes, opens > 0 else { return .failure(GraphQLFailure("Parse error: unbalanced braces")) }
        return .success(tokens)
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
