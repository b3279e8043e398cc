import AsyncHTTPClient
import NIOCore
import NIOSSL

/// Builds the one `HTTPClient` a coordinator process shares between its GitHub and Jenkins clients.
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
    /// - TLS as `tlsConfiguration()` says, for GitHub and Jenkins alike.
    ///
    /// Runs on the shared singleton event loop group. The caller owns the client and must call
    /// `shutdown()` on it when done.
    public static func makeHTTPClient(connectTimeout: Duration = .seconds(10)) -> HTTPClient {
        var configuration = HTTPClient.Configuration(
            tlsConfiguration: tlsConfiguration(),
            redirectConfiguration: .disallow,
            timeout: .init(connect: TimeAmount(connectTimeout), read: nil)
        )
        configuration.connectionPool = .init(idleTimeout: .seconds(5))
        configuration.connectionPool.retryConnectionEstablishment = false
        return HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
    }

    /// The one TLS configuration of the process: the system's trust store, full certificate and
    /// host name verification. Every HTTPS request of both services gets it from here, so trusting
    /// another CA (a company Jenkins, GitHub Enterprise) is a change to this function alone.
    static func tlsConfiguration() -> TLSConfiguration {
        .makeClientConfiguration()
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
