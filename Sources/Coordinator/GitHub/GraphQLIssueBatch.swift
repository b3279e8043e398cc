import Foundation

/// What every batched GraphQL question about several issues shares: each issue is an aliased
/// `issue(number:)` field (`i101`, `i102`, …) under one `repository(owner:$owner,name:$name)`;
/// GitHub answers `null` under the alias of an issue it cannot resolve, with a `NOT_FOUND` error
/// naming that alias, and answers the others all the same.
///
/// Owner and name travel as variables, so no text from the configuration is ever spliced into a
/// query; the numbers are spliced in, as the aliases must be, but they are `Int`s we format.
enum GraphQLIssueBatch {
    /// The most issues one request asks about. GitHub limits a query's cost and node count; 50
    /// issues of 20 nodes each stays far inside both.
    static let maxIssues = 50

    static func alias(_ number: Int) -> String { "i\(number)" }

    /// The query asking `selection` of each issue in `numbers` (positive, unique, at most `maxIssues`).
    static func query(_ numbers: [Int], selection: String) -> String {
        let fields = numbers.map { "\(alias($0)): issue(number:\($0)){ \(selection) }" }
        return "query($owner:String!,$name:String!){ repository(owner:$owner,name:$name){ \(fields.joined(separator: " ")) } }"
    }

    /// The request body.
    struct Request: Encodable {
        struct Variables: Encodable {
            var owner: String
            var name: String
        }
        var query: String
        var variables: Variables
    }

    struct GraphQLError: Decodable {
        var message: String?
        var type: String?
        /// Field names, and list indexes as numbers; only the names matter here.
        var path: [PathElement]?

        struct PathElement: Decodable, Equatable {
            var name: String?

            init(from decoder: Decoder) throws {
                name = try? decoder.singleValueContainer().decode(String.self)
            }
        }
    }

    /// Throws unless every error in `errors` is a `NOT_FOUND` of one issue of `numbers` (an
    /// unknown number, or a pull request): that concerns the issue alone, any other error the
    /// whole batch.
    static func checkOnlyIssuesUnresolved(_ errors: [GraphQLError]?, numbers: [Int]) throws {
        let aliases = Set(numbers.map(alias))
        let failures = (errors ?? []).filter { error in
            let path = (error.path ?? []).map(\.name)
            let oneIssueUnresolved =
                error.type == "NOT_FOUND" && path.count == 2 && path[0] == "repository" && path[1].map(aliases.contains) == true
            return !oneIssueUnresolved
        }
        guard failures.isEmpty else {
            throw GitHubError.graphQL(message: failures.map { $0.message ?? $0.type ?? "unknown error" }.joined(separator: "; "))
        }
    }
}
