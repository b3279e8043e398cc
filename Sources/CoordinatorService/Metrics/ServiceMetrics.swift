import Coordinator
import Prometheus
import Synchronization

/// Every metric of `coordinator serve`, kept in a Prometheus registry this object owns and
/// rendered as Prometheus text by `GET /metrics`, followed by the process's own metrics
/// (`ProcessMetrics`).
///
/// The metrics are made on that registry directly, each from a `MetricNameDescriptor` with its
/// help text, so the output passes `promtool check metrics` (swift-metrics' factory would name
/// them but give them no `# HELP`). Nothing process-wide is bootstrapped, so every test (and
/// every daemon in one process) has metrics of its own.
///
/// | name | type | labels | meaning |
/// |---|---|---|---|
/// | `coordinator_webhook_deliveries_total` | counter | `result` = `accepted`, `bad_signature`, `duplicate`, `ignored`, `too_large`, `malformed` | webhook deliveries by what became of them (a `ping` counts as `ignored`) |
/// | `coordinator_dispatches_total` | counter | `repo`, `outcome` = `dispatched`, `skipped`, `failed`, `recovered` | dispatches, from webhooks and polls |
/// | `coordinator_github_requests_total` | counter | `status_class` = `2xx`, `3xx`, `4xx`, `5xx`, `error` | GitHub API requests by answer (`error`: no HTTP answer) |
/// | `coordinator_github_rate_limit_remaining` | gauge | | GitHub's last `X-RateLimit-Remaining` (absent until the first answer) |
/// | `coordinator_last_poll_age_seconds` | gauge | `repo` | age of the last finished poll, computed when scraped (absent until the first poll) |
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

    // Names by Prometheus' conventions: a `coordinator_` namespace, counters ending in `_total`,
    // durations in seconds with the unit last. One help text per name (the registry refuses a
    // second, different one).
    static var deliveries: MetricNameDescriptor {
        MetricNameDescriptor(
            namespace: "coordinator", metricName: "webhook_deliveries", unitName: "total",
            helpText: "GitHub webhook deliveries received, by what became of them (a ping counts as ignored).")
    }
    static var dispatches: MetricNameDescriptor {
        MetricNameDescriptor(
            namespace: "coordinator", metricName: "dispatches", unitName: "total",
            helpText: "Dispatches of issues to Jenkins, from webhooks and polls, by repository and outcome.")
    }
    static var githubRequests: MetricNameDescriptor {
        MetricNameDescriptor(
            namespace: "coordinator", metricName: "github_requests", unitName: "total",
            helpText: "GitHub API requests, retries included, by the class of their HTTP status (error: no HTTP answer).")
    }
    static var rateLimit: MetricNameDescriptor {
        MetricNameDescriptor(
            namespace: "coordinator", metricName: "github_rate_limit_remaining", unitName: "",
            helpText: "Requests left in the GitHub rate limit window, from the latest X-RateLimit-Remaining header.")
    }
    static var lastPollAge: MetricNameDescriptor {
        MetricNameDescriptor(
            namespace: "coordinator", metricName: "last_poll_age", unitName: "seconds",
            helpText: "Seconds since the last successful safety-net poll of the repository, as of the scrape.")
    }
    static var webhookToJenkins: MetricNameDescriptor {
        MetricNameDescriptor(
            namespace: "coordinator", metricName: "webhook_to_jenkins", unitName: "seconds",
            helpText: "Time from a webhook delivery's arrival to the Jenkins build request it led to.")
    }
    static var stuckIssues: MetricNameDescriptor {
        MetricNameDescriptor(
            namespace: "coordinator", metricName: "stuck_issues", unitName: "",
            helpText: "Busy issues of the repository that the stuck rules flag, as of the last survey.")
    }

    private let registry: PrometheusCollectorRegistry
    private let process: ProcessMetrics
    private let now: @Sendable () -> ContinuousClock.Instant
    private let deliveryCounters: [DeliveryResult: Prometheus.Counter]
    private let githubRequestCounters: [StatusClass: Prometheus.Counter]
    private let webhookToJenkinsHistogram: DurationHistogram
    /// When each repository's last poll finished; turned into an age on every render.
    private let lastPolls = Mutex<[String: ContinuousClock.Instant]>([:])

    /// - Parameters:
    ///   - now: the clock the poll ages are measured with (a test moves it).
    ///   - process: where the `process_*` metrics are read from.
    public init(now: @escaping @Sendable () -> ContinuousClock.Instant = { .now }, process: ProcessMetrics = ProcessMetrics()) {
        let registry = PrometheusCollectorRegistry()
        self.registry = registry
        self.process = process
        self.now = now
        deliveryCounters = Dictionary(uniqueKeysWithValues: DeliveryResult.allCases.map { result in
            (result, registry.makeCounter(descriptor: Self.deliveries, labels: [("result", result.rawValue)]))
        })
        githubRequestCounters = Dictionary(uniqueKeysWithValues: StatusClass.allCases.map { statusClass in
            (statusClass, registry.makeCounter(descriptor: Self.githubRequests, labels: [("status_class", statusClass.rawValue)]))
        })
        webhookToJenkinsHistogram = registry.makeDurationHistogram(
            descriptor: Self.webhookToJenkins, buckets: Self.webhookToJenkinsBuckets)
    }

    // MARK: What the daemon reports

    /// One webhook delivery ended with `result`.
    public func webhookDelivery(_ result: DeliveryResult) {
        deliveryCounters[result]?.increment()
    }

    /// A dispatch (from a webhook or a poll) ended with `outcome`.
    public func dispatched(repo: String, outcome: DispatchOutcome) {
        registry.makeCounter(descriptor: Self.dispatches, labels: [("repo", repo), ("outcome", outcome.kind)]).increment()
    }

    /// One GitHub API request ended with HTTP `status`, or with no answer at all (nil).
    public func githubRequest(status: Int?) {
        githubRequestCounters[StatusClass(status: status)]?.increment()
    }

    /// GitHub's `X-RateLimit-Remaining` from its latest answer.
    public func githubRateLimit(remaining: Int) {
        registry.makeGauge(descriptor: Self.rateLimit).set(to: Double(remaining))
    }

    /// A safety-net poll of `repo` finished without error; `/metrics` shows its age from now on.
    public func polled(repo: String) {
        let instant = now()
        lastPolls.withLock { $0[repo] = instant }
    }

    /// The time from a webhook's arrival to the Jenkins build request it led to.
    public func webhookToJenkins(_ latency: Duration) {
        webhookToJenkinsHistogram.record(latency)
    }

    /// How many issues of `repo` the stuck rules currently flag.
    public func stuckIssues(repo: String, count: Int) {
        registry.makeGauge(descriptor: Self.stuckIssues, labels: [("repo", repo)]).set(to: Double(count))
    }

    // MARK: Scrape

    /// Every metric in the Prometheus text exposition format (version 0.0.4), poll ages and the
    /// process's figures as of now.
    public func render() -> String {
        let instant = now()
        for (repo, polled) in lastPolls.withLock({ $0 }) {
            registry.makeGauge(descriptor: Self.lastPollAge, labels: [("repo", repo)]).set(to: max(0, (instant - polled).inSeconds))
        }
        return registry.emitToString() + process.render()
    }
}
