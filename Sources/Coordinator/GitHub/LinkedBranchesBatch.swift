import Foundation

/// One GraphQL request for the linked branches of several issues (see `GraphQLIssueBatch`).
enum LinkedBranchesBatch {
    static let maxIssues = GraphQLIssueBatch.maxIssues

    /// Ten is far more than one issue ever has; more than one is already a reason to skip the
    /// dispatch, so paging further would add nothing.
    static let branchesPerIssue = 10

    typealias Request = GraphQLIssueBatch.Request

    static func alias(_ number: Int) -> String { GraphQLIssueBatch.alias(number) }

    /// The query for `numbers` (positive, unique, at most `maxIssues`).
    static func query(_ numbers: [Int]) -> String {
        GraphQLIssueBatch.query(numbers, selection: "linkedBranches(first:\(branchesPerIssue)){ nodes{ ref{ name } } }")
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
        var errors: [GraphQLIssueBatch.GraphQLError]?
    }

    /// The branches per issue in `response` to the query for `numbers`. An issue GitHub answers
    /// `null` for is left out; so is its `NOT_FOUND` error (an unknown number or a pull request),
    /// which concerns that issue alone. Any other error fails the whole batch.
    static func branches(in response: Response, numbers: [Int]) throws -> [Int: [String]] {
        try GraphQLIssueBatch.checkOnlyIssuesUnresolved(response.errors, numbers: numbers)
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
