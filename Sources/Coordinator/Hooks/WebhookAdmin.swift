/// A repository's webhooks as `doctor` reads them and `hooks sync` writes them: GitHub's
/// `/repos/{owner}/{repo}/hooks` endpoints (`GitHubClient`), or a fake in a unit test.
public protocol WebhookAdmin: Sendable {
    /// "owner/name", for messages.
    var repositoryName: String { get }
    func repositoryHooks() async throws -> [GitHubHook]
    /// The newest `count` deliveries, newest first.
    func hookDeliveries(hookID: Int, count: Int) async throws -> [GitHubHookDelivery]
    func createHook(_ settings: GitHubHookSettings) async throws -> GitHubHook
    func updateHook(id: Int, _ settings: GitHubHookSettings, addEvents: [String]) async throws -> GitHubHook
}

extension GitHubClient: WebhookAdmin {
    public var repositoryName: String { "\(owner)/\(repo)" }
}
