import Foundation

/// One GraphQL request for the newest `labeled` events of several issues (see `GraphQLIssueBatch`):
/// `timelineItems(itemTypes:[LABELED_EVENT], last:20)` per issue, which is when each of its labels
/// last came on — one request where the REST events cost one (or more) per issue.
enum LabeledEventsBatch {
    static let maxIssues = GraphQLIssueBatch.maxIssues

    /// The newest twenty label events reach back past the busy label's own in all but issues
    /// relabelled over and over; those are asked again through their REST events.
    static let eventsPerIssue = 20

    /// The query for `numbers` (positive, unique, at most `maxIssues`).
    static func query(_ numbers: [Int]) -> String {
        GraphQLIssueBatch.query(
            numbers,
            selection: "timelineItems(itemTypes:[LABELED_EVENT], last:\(eventsPerIssue)){ pageInfo{ hasPreviousPage } nodes{ ... on LabeledEvent { createdAt label{ name } } } }")
    }

    /// The answer; every level optional, as GraphQL answers `null` for what it could not resolve.
    struct Response: Decodable {
        struct DataPayload: Decodable { var repository: [String: IssuePayload?]? }
        struct IssuePayload: Decodable { var timelineItems: Connection? }
        struct Connection: Decodable {
            var pageInfo: PageInfo?
            var nodes: [Node?]?
        }
        struct PageInfo: Decodable { var hasPreviousPage: Bool? }
        struct Node: Decodable {
            var createdAt: String?
            var label: Label?
        }
        struct Label: Decodable { var name: String? }

        var data: DataPayload?
        var errors: [GraphQLIssueBatch.GraphQLError]?
    }

    /// When `labels[n]` last came on issue `n`, for every issue asked. An issue GitHub answers
    /// `null` for (with its `NOT_FOUND`), or whose page holds no event of the label while older
    /// events exist (or the page says nothing about them), is `.unanswered`. Any other error fails
    /// the whole batch.
    static func lastLabeled(in response: Response, labels: [Int: String]) throws -> [Int: LastLabeled] {
        try GraphQLIssueBatch.checkOnlyIssuesUnresolved(response.errors, numbers: Array(labels.keys))
        guard let repository = response.data?.repository else {
            throw GitHubError.graphQL(message: "the answer has no repository")
        }
        var answers: [Int: LastLabeled] = [:]
        for (number, label) in labels {
            guard case let issue?? = repository[GraphQLIssueBatch.alias(number)], let timeline = issue.timelineItems,
                  let nodes = timeline.nodes
            else {
                answers[number] = .unanswered
                continue
            }
            // Oldest first within the page, like the REST events: the last match is the newest.
            let newest = nodes.compactMap { node -> Date? in
                guard let node, node.label?.name == label else { return nil }
                return node.createdAt.flatMap(Timestamp.parse)
            }.max()
            if let newest {
                answers[number] = .at(newest)
            } else {
                answers[number] = timeline.pageInfo?.hasPreviousPage == false ? .never : .unanswered
            }
        }
        return answers
    }
}
