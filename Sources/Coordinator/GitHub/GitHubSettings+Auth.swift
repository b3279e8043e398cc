import AsyncHTTPClient
import Logging

extension GitHubSettings {
    /// The one `GitHubAuth` every repository's client shares: the App when `[github] app_id` is
    /// set, else the token. `requests` sees every answer either way (`serve`'s metrics).
    public func auth(
        http: HTTPClient, requestTimeout: Duration = .seconds(30), retryPolicy: RetryPolicy = .default,
        requests: GitHubTokenState, logger: Logger
    ) -> any GitHubAuth {
        if let app {
            return GitHubAppAuth(
                settings: app, http: http, requestTimeout: requestTimeout, retryPolicy: retryPolicy, requests: requests, logger: logger)
        }
        return GitHubTokenAuth(token: token, state: requests)
    }
}
