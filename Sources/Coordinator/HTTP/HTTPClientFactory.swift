import AsyncHTTPClient
import NIOCore
import NIOSSL

/// Builds the `HTTPClient`s a coordinator process's GitHub and Jenkins clients share: one per
/// distinct TLS trust (one in all unless the services trust different CAs).
public enum HTTPClientFactory {
    /// An `HTTPClient` configured the way `GitHubClient` and `JenkinsClient` expect:
    ///
    /// - **redirects are not followed.** Jenkins answers a build request that duplicates a queued
    ///   one with `303 See Other`; that status itself is the information ("merged, not a second
    ///   job"), and following it would turn the answer into a `GET` of the queue item.
    /// - **connection establishment is not retried inside the client.** The GitHub client has its
    ///   own retry policy with backoff, and an unreachable Jenkins should be reported at once rather
    ///   than after the pool's silent reconnect attempts have used up the connect timeout.
    /// - **idle pooled connections are closed after 5 s**, well inside the keep-alive timeouts of
    ///   Jetty (Jenkins) and common reverse proxies. A Jenkins build POST is never retried (it could
    ///   queue a second build), so it must not be sent on a connection the server is about to close.
    /// - a connect timeout of `connectTimeout`; whole-request deadlines are set per request by the
    ///   clients (`requestTimeout`).
    /// - TLS as `tlsConfiguration(trust:)` says.
    ///
    /// Runs on the shared singleton event loop group. The caller owns the client and must call
    /// `shutdown()` on it when done.
    public static func makeHTTPClient(connectTimeout: Duration = .seconds(10), trust: TLSTrust = .system) -> HTTPClient {
        var configuration = HTTPClient.Configuration(
            tlsConfiguration: tlsConfiguration(trust: trust),
            redirectConfiguration: .disallow,
            timeout: .init(connect: TimeAmount(connectTimeout), read: nil)
        )
        configuration.connectionPool = .init(idleTimeout: .seconds(5))
        configuration.connectionPool.retryConnectionEstablishment = false
        return HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
    }

    /// The clients for GitHub and Jenkins: one shared `HTTPClient` when both trust the same CAs
    /// (the usual case), else one each. Every one is made by `makeHTTPClient`, so all but the
    /// trust is the same.
    public static func makeHTTPClients(github: TLSTrust, jenkins: TLSTrust, connectTimeout: Duration = .seconds(10)) -> ServiceHTTPClients {
        let githubClient = makeHTTPClient(connectTimeout: connectTimeout, trust: github)
        let jenkinsClient = jenkins == github ? githubClient : makeHTTPClient(connectTimeout: connectTimeout, trust: jenkins)
        return ServiceHTTPClients(github: githubClient, jenkins: jenkinsClient)
    }

    /// The TLS configuration every HTTPS request of both services gets: full certificate and
    /// host name verification against `trust` (see `TLSTrust` for which CAs a service trusts).
    /// Verification is never turned off here.
    static func tlsConfiguration(trust: TLSTrust = .system) -> TLSConfiguration {
        trust.tlsConfiguration
    }
}

/// The `HTTPClient` each service uses; the same object when they trust the same CAs.
public final class ServiceHTTPClients: Sendable {
    public let github: HTTPClient
    public let jenkins: HTTPClient

    init(github: HTTPClient, jenkins: HTTPClient) {
        self.github = github
        self.jenkins = jenkins
    }

    /// Shuts every distinct client down. Call once, when done.
    public func shutdown() async {
        try? await github.shutdown()
        if jenkins !== github { try? await jenkins.shutdown() }
    }
}

extension TimeAmount {
    /// Converts a Swift `Duration` (what the public API speaks) to NIO's `TimeAmount`.
    init(_ duration: Duration) {
        let (seconds, attoseconds) = duration.components
        let nanos = seconds.multipliedReportingOverflow(by: 1_000_000_000)
        if nanos.overflow {
            self = .nanoseconds(Int64.max)
        } else {
            self = .nanoseconds(nanos.partialValue + attoseconds / 1_000_000_000)
        }
    }
}
