import Coordinator
import CoreMetrics
import Metrics
import Prometheus
import Synchronization

/// Every metric of `coordinator serve`, kept in a Prometheus registry this object owns and
/// rendered as Prometheus text by `GET /metrics`.
///
/// The metrics are swift-metrics objects made with an explicit `factory:` over that registry:
/// nothing bootstraps the process-wide `MetricsSystem`, so every test (and every daemon in one
/// process) has metrics of its own.
///
/// | name | type | labels | meaning |
/// |---|---|---|---|
/// | `coordinator_webhook_deliveries_total` | counter | `result` = `accepted`, `bad_signature`, `duplicate`, `ignored`, `too_large`, `malformed` | webhook deliveries by what became of them (a `ping` counts as `ignored`) |
/// | `coordinator_dispatches_total` | counter | `repo`, `outcome` = `dispatched`, `skipped`, `failed`, `recovered` | dispatches, from webhooks and polls |
/// | `coordinator_github_requests_total` | counter | `status_class` = `2xx`, `3xx`, `4xx`, `5xx`, `error` | GitHub API requests by answer (`error`: no HTTP answer) |
/// | `coordinator_github_rate_limit_remaining` | gauge | | GitHub's last `X-RateLimit-Remaining` (absent until the first answer) |
/// | `coordinator_seconds_since_last_poll` | gauge | `repo` | age of the last finished poll, computed when scraped (absent until the first poll) |
/// | `coordinator_webhook_to_jenkins_seconds` | histogram | | from a webhook's arrival to the Jenkins build request it led to; buckets 5 ms … 10 s |
/// | `coordinator_stuck_issues` | gauge | `repo` | issues the stuck rules flag (absent until first set) |
///
/// The delivery and request counters exist at 0 from the start, so `rate()` sees their first
/// increase; per-repository series appear with the first event of that repository.
public final class ServiceMetrics: Sendable {
    /// What became of one webhook delivery: the `result` label.
    public enum DeliveryResult: String, Sendable, CaseIterable {
        case accepted
        case badSignature = "bad_signature"
        case duplicate
        case ignored
        case tooLarge = "too_large"
        case malformed
    }

    /// The `status_class` label of a GitHub request.
    public enum StatusClass: String, Sendable, CaseIterable {
        case success = "2xx"
        case redirection = "3xx"
        case clientError = "4xx"
        case serverError = "5xx"
        /// No HTTP answer (connection, TLS, time-out), or a status outside 200…599.
        case error

        /// The class of an HTTP status; nil (no answer) is `error`.
        public init(status: Int?) {
            switch status {
            case .some(200...299): self = .success
            case .some(300...399): self = .redirection
            case .some(400...499): self = .clientError
            case .some(500...599): self = .serverError
            default: self = .error
            }
        }
    }

    /// Histogram buckets of `coordinator_webhook_to_jenkins_seconds`: a dispatch takes a few
    /// requests to GitHub and Jenkins, so tens of milliseconds when all is well, seconds when one
    /// is slow or the repository's queue was busy.
    public static let webhookToJenkinsBuckets: [Duration] = [
        .milliseconds(5), .milliseconds(10), .milliseconds(25), .milliseconds(50), .milliseconds(100),
        .milliseconds(250), .milliseconds(500), .seconds(1), .milliseconds(2500), .seconds(5), .seconds(10),
    ]

    static let deliveriesName = "coordinator_webhook_deliveries_total"
    static let dispatchesName = "coordinator_dispatches_total"
    static let githubRequestsName = "coordinator_github_requests_total"
    static let rateLimitName = "coordinator_github_rate_limit_remaining"
    static let sinceLastPollName = "coordinator_seconds_since_last_poll"
    static let webhookToJenkinsName = "coordinator_webhook_to_jenkins_seconds"
    static let stuckIssuesName = "coordinator_stuck_issues"

    private let registry: PrometheusCollectorRegistry
    private let factory: PrometheusMetricsFactory
    private let now: @Sendable () -> ContinuousClock.Instant
    private let deliveries: [DeliveryResult: CoreMetrics.Counter]
    private let githubRequests: [StatusClass: CoreMetrics.Counter]
    private let webhookToJenkinsTimer: CoreMetrics.Timer
    /// When each repository's last poll finished; turned into an age on every render.
    private let lastPolls = Mutex<[String: ContinuousClock.Instant]>([:])

    /// - Parameter now: the clock the poll ages are measured with (a test moves it).
    public init(now: @escaping @Sendable () -> ContinuousClock.Instant = { .now }) {
        let registry = PrometheusCollectorRegistry()
        var factory = PrometheusMetricsFactory(registry: registry)
        factory.durationHistogramBuckets[Self.webhookToJenkinsName] = Self.webhookToJenkinsBuckets
        self.registry = registry
        self.factory = factory
        self.now = now
        deliveries = Dictionary(uniqueKeysWithValues: DeliveryResult.allCases.map { result in
            (result, CoreMetrics.Counter(label: Self.deliveriesName, dimensions: [("result", result.rawValue)], factory: factory))
        })
        githubRequests = Dictionary(uniqueKeysWithValues: StatusClass.allCases.map { statusClass in
            (statusClass, CoreMetrics.Counter(
                label: Self.githubRequestsName, dimensions: [("status_class", statusClass.rawValue)], factory: factory))
        })
        webhookToJenkinsTimer = CoreMetrics.Timer(label: Self.webhookToJenkinsName, factory: factory)
    }

    // MARK: What the daemon reports

    /// One webhook delivery ended with `result`.
    public func webhookDelivery(_ result: DeliveryResult) {
        deliveries[result]?.increment()
    }

    /// A dispatch (from a webhook or a poll) ended with `outcome`.
    public func dispatched(repo: String, outcome: DispatchOutcome) {
        let name: String
        switch outcome {
        case .dispatched: name = "dispatched"
        case .skipped: name = "skipped"
        case .failed: name = "failed"
        case .recovered: name = "recovered"
        }
        CoreMetrics.Counter(label: Self.dispatchesName, dimensions: [("repo", repo), ("outcome", name)], factory: factory)
            .increment()
    }

    /// One GitHub API request ended with HTTP `status`, or with no answer at all (nil).
    public func githubRequest(status: Int?) {
        githubRequests[StatusClass(status: status)]?.increment()
    }

    /// GitHub's `X-RateLimit-Remaining` from its latest answer.
    public func githubRateLimit(remaining: Int) {
        CoreMetrics.Gauge(label: Self.rateLimitName, factory: factory).record(remaining)
    }

    /// A safety-net poll of `repo` finished without error; `/metrics` shows its age from now on.
    public func polled(repo: String) {
        let instant = now()
        lastPolls.withLock { $0[repo] = instant }
    }

    /// The time from a webhook's arrival to the Jenkins build request it led to.
    public func webhookToJenkins(_ latency: Duration) {
        webhookToJenkinsTimer.record(duration: latency)
    }

    /// How many issues of `repo` the stuck rules currently flag.
    public func stuckIssues(repo: String, count: Int) {
        CoreMetrics.Gauge(label: Self.stuckIssuesName, dimensions: [("repo", repo)], factory: factory).record(count)
    }

    // MARK: Scrape

    /// Every metric in the Prometheus text exposition format (version 0.0.4), poll ages as of now.
    public func render() -> String {
        let instant = now()
        for (repo, polled) in lastPolls.withLock({ $0 }) {
            let age = instant - polled
            let seconds = Double(age.components.seconds) + Double(age.components.attoseconds) / 1e18
            CoreMetrics.Gauge(label: Self.sinceLastPollName, dimensions: [("repo", repo)], factory: factory)
                .record(max(0, seconds))
        }
        return registry.emitToString()
    }
}
