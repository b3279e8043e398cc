import Foundation

/// The parts of a GitHub `issues` webhook delivery the coordinator reads: the action, the
/// repository, and the issue as it is after the change (GitHub sends the whole issue, with its
/// labels and `updated_at`, in the REST API's shape).
///
/// Every other key is ignored, whatever its shape: an organisation's or a GitHub App's hook adds
/// `organization` and `installation` to the same payload, and GitHub adds fields over time.
public struct IssuesWebhookPayload: Sendable, Equatable {
    public var action: String
    /// `repository.full_name`, "owner/name" as GitHub spells it.
    public var repositoryFullName: String
    public var issue: Issue
    /// The item is a pull request (its `issue` carries a `pull_request` key).
    public var isPullRequest: Bool

    /// Decodes a delivery body; throws `DecodingError` (worded by `DecodingErrorText`) when it is
    /// not an `issues` payload.
    public static func decode(_ body: Data) throws -> IssuesWebhookPayload {
        let raw = try JSONDecoder().decode(Raw.self, from: body)
        return IssuesWebhookPayload(
            action: raw.action, repositoryFullName: raw.repository.fullName, issue: raw.issue.issue,
            isPullRequest: raw.issue.isPullRequest)
    }

    private struct Raw: Decodable {
        var action: String
        var issue: GitHubIssuePayload
        var repository: Repository

        struct Repository: Decodable {
            var fullName: String
            private enum CodingKeys: String, CodingKey { case fullName = "full_name" }
        }
    }
}
