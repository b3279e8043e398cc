import Foundation

/// One GraphQL request for the linked branches of several issues: each issue is an aliased
/// `issue(number:)` field (`i101`, `i102`, …) under one `repository(owner:$owner,name:$name)`.
///
/// Owner and name travel as variables, so no text from the configuration is ever spliced into the
/// query; the numbers are spliced in, as the aliases must be, but they are `Int`s we format.
enum LinkedBranchesBatch {
    /// The most issues one request asks about. GitHub limits a query's cost and node count; 50
    /// issues of 10 branches each stays far inside both.
    static let maxIssues = 50

    /// Ten is far more than one issue ever has; more than one is already a reason to skip the
    /// dispatch, so paging further would add nothing.
    static let branchesPerIssue = 10

    static func alias(_ number: Int) -> String { "i\(number)" }

    /// The query for `numbers` (positive, unique, at most `maxIssues`).
    static func query(_ numbers: [Int]) -> String {
        let fields = numbers.map { number in
            "\(alias(number)): issue(number:\(number)){ linkedBranches(first:\(branchesPerIssue)){ nodes{ ref{ name } } } }"
        }
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

    /// The answer. Every level is optional: GraphQL answers `null` for what it could not resolve
    /// and explains why in `errors`.
    struct Response: Decodable {
        struct DataPayload: Decodable { var repository: [String: IssuePayload?]? }
        struct IssuePayload: Decodable { var linkedBranches: Connection? }
        struct Connection: Decodable { var nodes: [Node?]? }
        struct Node: Decodable { var ref: Ref? }
        struct Ref: Decodable { var name: String? }

        var data: DataPayload?
        var errors: [GraphQLError]?
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

    /// The branches per issue in `response` to the query for `numbers`. An issue GitHub answers
    /// `null` for is left out; so is its `NOT_FOUND` error (an unknown number or a pull request),
    /// which concerns that issue alone. Any other error fails the whole batch.
    static func branches(in response: Response, numbers: [Int]) throws -> [Int: [String]] {
        let aliases = Set(numbers.map(alias))
        let failures = (response.errors ?? []).filter { error in
            let path = (error.path ?? []).map(\.name)
            let oneIssueUnresolved =
                error.type == "NOT_FOUND" && path.count == 2 && path[0] == "repository" && path[1].map(aliases.contains) == true
            return !oneIssueUnresolved
        }
        guard failures.isEmpty else {
            throw GitHubError.graphQL(message: failures.map { $0.message ?? $0.type ?? "unknown error" }.joined(separator: "; "))
        }
        guard let repository = response.data?.repository else {
            throw GitHubError.graphQL(message: "the answer has no repository")
        }
        var branches: [Int: [String]] = [:]
        for number in numbers {
            guard case let issue?? = repository[alias(number)] else { continue }
            branches[number] = (issue.linkedBranches?.nodes ?? []).compactMap { $0?.ref?.name }
        }
        return branches
    }
}
