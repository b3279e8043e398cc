import AsyncHTTPClient
import Foundation

/// GitHub's webhook sender: turns issue changes into signed `issues` deliveries and POSTs them to
/// every registered hook over real HTTP.
///
/// As on GitHub, delivery is asynchronous (the change never waits for it), each delivery is tried
/// once (no retry), and a receiver gets `timeoutMs` to answer. Each hook has one sender loop
/// reading a bounded queue, so its deliveries go out in the order the changes happened, and a
/// burst costs one queued body per delivery, not one task. The record of deliveries keeps the
/// most recent `deliveryLogLimit`, without bodies.
///
/// `publish` is called from inside the world actor and must not suspend, hence a lock rather
/// than an actor.
final class WebhookDispatcher: @unchecked Sendable {
    /// Deliveries the record keeps (the oldest go first).
    static let deliveryLogLimit = 5_000
    /// Deliveries one hook may have waiting; more are recorded as dropped, not queued.
    static let queueLimit = 5_000
    /// GitHub sends `GitHub-Hookshot/<build>`; receivers sometimes check the prefix.
    static let userAgent = "GitHub-Hookshot/sandbox"
    /// Hook ids count from here, so they look like GitHub's and never like an issue number.
    static let firstHookID = 400_000_001
    /// Delivery numbers (GitHub's numeric delivery `id`) count from here.
    static let firstDeliveryNumber = 90_000_000_001

    private struct Pending: Sendable {
        var sequence: Int
        var deliveryID: String
        var event: String
        var repositoryID: Int
        var body: Data
        var delayMs: Int
    }

    private struct Hook {
        var info: SandboxWebhook
        /// The whole configuration, secret included: what `GET …/hooks/{id}` shows (secret masked)
        /// and `PATCH` edits.
        var config: Scenario.Webhook
        var createdAt: Date
        var updatedAt: Date
        var secret: String? { config.secret }
        var stream: AsyncStream<Pending>
        var queue: AsyncStream<Pending>.Continuation
        var loop: Task<Void, Never>?
    }

    private let lock = NSLock()
    private var hooks: [Int: Hook] = [:]
    /// Loops of removed hooks, still draining their queue; awaited on shutdown.
    private var retiredLoops: [Task<Void, Never>] = []
    private var nextHookID = WebhookDispatcher.firstHookID
    private var faults: [SandboxWebhookFault] = []
    private var log: [SandboxWebhookDelivery] = []
    /// Sequence number of `log[0]`; a delivery's record is found by its sequence.
    private var firstSequence = 0
    private var nextSequence = 0
    /// Deliveries queued and not yet finished (sent, failed or dropped on the way).
    private var pending = 0
    private var stopped = false
    private var apiBase = "http://127.0.0.1"
    private var client: HTTPClient?

    init(scenarioHooks: [Scenario.Webhook]) {
        for hook in scenarioHooks { _ = add(hook, fromScenario: true) }
    }

    /// The base of the URLs inside payloads; set once the server knows its port.
    func setAPIBase(_ base: String) {
        lock.withLock { apiBase = base }
    }

    // MARK: Hooks

    func add(_ config: Scenario.Webhook, fromScenario: Bool = false, now: Date = Date()) -> SandboxWebhook {
        lock.withLock {
            let id = nextHookID
            nextHookID += 1
            let info = Self.info(id: id, config, fromScenario: fromScenario)
            let (stream, queue) = AsyncStream<Pending>.makeStream(bufferingPolicy: .bufferingOldest(Self.queueLimit))
            hooks[id] = Hook(info: info, config: config, createdAt: now, updatedAt: now, stream: stream, queue: queue)
            return info
        }
    }

    private static func info(id: Int, _ config: Scenario.Webhook, fromScenario: Bool) -> SandboxWebhook {
        SandboxWebhook(
            id: id, url: config.url, events: config.events, signed: !(config.secret ?? "").isEmpty,
            timeoutMs: config.timeoutMs, contentType: config.contentType, fromScenario: fromScenario,
            repository: config.repository, active: config.active)
    }

    /// Replaces a hook's configuration (GitHub's `PATCH …/hooks/{id}`); deliveries queued from
    /// now on go out as it says. Nil if there is no such hook.
    func update(id: Int, to config: Scenario.Webhook, now: Date = Date()) -> SandboxWebhook? {
        lock.withLock {
            guard var hook = hooks[id] else { return nil }
            hook.config = config
            hook.info = Self.info(id: id, config, fromScenario: hook.info.fromScenario)
            hook.updatedAt = now
            hooks[id] = hook
            return hook.info
        }
    }

    /// A hook's whole configuration (secret included: for the Sandbox's GitHub API, which masks
    /// it) and when it was created and last changed.
    func configuration(id: Int) -> (config: Scenario.Webhook, createdAt: Date, updatedAt: Date)? {
        lock.withLock { hooks[id].map { ($0.config, $0.createdAt, $0.updatedAt) } }
    }

    /// Stops deliveries to the hook; ones still queued are recorded as dropped.
    func remove(id: Int) -> Bool {
        lock.withLock {
            guard let hook = hooks.removeValue(forKey: id) else { return false }
            hook.queue.finish()
            if let loop = hook.loop { retiredLoops.append(loop) }
            return true
        }
    }

    func list() -> [SandboxWebhook] {
        lock.withLock { hooks.values.map(\.info).sorted { $0.id < $1.id } }
    }

    // MARK: Faults

    func inject(_ fault: SandboxWebhookFault) {
        lock.withLock { faults.append(fault) }
    }

    func armedFaults() -> [SandboxWebhookFault] { lock.withLock { faults } }

    func clearFaults() { lock.withLock { faults.removeAll() } }

    /// Caller holds the lock.
    private func takeFault(hookID: Int) -> SandboxWebhookFault.Effect? {
        for index in faults.indices where faults[index].applies(toHook: hookID) {
            let effect = faults[index].effect
            if faults[index].isSpent { faults.remove(at: index) }
            return effect
        }
        return nil
    }

    // MARK: Publishing

    /// Queues the deliveries `changes` call for, on every hook; returns at once.
    func publish(_ changes: [IssueChange], github: GitHubService, sender: String, now: Date) {
        let (configs, base) = lock.withLock { (stopped ? [] : hooks.map { ($0.key, $0.value.config) }.sorted { $0.0 < $1.0 }, apiBase) }
        guard !configs.isEmpty else { return }
        let payload = WebhookPayload(apiBase: base)
        // GitHub reports a pull request's changes as `pull_request` events, which the Sandbox does not send.
        for change in changes where !change.after.isPullRequest {
            guard let repo = github.repository(owner: change.after.owner, name: change.after.repo) else { continue }
            let targets = configs.filter { $0.1.receives(repository: repo.fullName) }.map(\.0)
            guard !targets.isEmpty else { continue }
            for action in change.actions {
                // Rendered once for every hook, and only when some hook will be sent it.
                var body: Data?
                for hookID in targets {
                    var record = SandboxWebhookDelivery(
                        id: UUID().uuidString.lowercased(), hookID: hookID, event: "issues", action: action.action,
                        label: action.label, repository: repo.fullName, issue: change.after.number, outcome: .pending,
                        time: now, delayMs: 0, durationMs: nil)
                    switch lock.withLock({ takeFault(hookID: hookID) }) {
                    case .drop?:
                        record.outcome = .dropped("drop fault")
                        lock.withLock { _ = append(record) }
                        continue
                    case .delay(let milliseconds)?:
                        record.delayMs = milliseconds
                    case nil:
                        break
                    }
                    let rendered = body ?? payload.render(action, issue: change.after, in: repo, sender: sender)
                    body = rendered
                    enqueue(record, body: rendered, repositoryID: repo.id)
                }
            }
        }
    }

    private func enqueue(_ record: SandboxWebhookDelivery, body: Data, repositoryID: Int) {
        lock.withLock {
            guard !stopped, var hook = hooks[record.hookID] else { return }
            let sequence = append(record)
            let item = Pending(
                sequence: sequence, deliveryID: record.id, event: record.event, repositoryID: repositoryID, body: body,
                delayMs: record.delayMs)
            switch hook.queue.yield(item) {
            case .enqueued:
                pending += 1
                if hook.loop == nil {
                    let stream = hook.stream
                    let hookID = record.hookID
                    hook.loop = Task { await self.run(hookID: hookID, stream: stream) }
                    hooks[hookID] = hook
                }
            case .dropped:
                update(sequence) { $0.outcome = .dropped("queue full: \(Self.queueLimit) deliveries already waiting for this hook") }
            case .terminated:
                update(sequence) { $0.outcome = .dropped("hook removed") }
            @unknown default:
                update(sequence) { $0.outcome = .dropped("not queued") }
            }
        }
    }

    // MARK: Sending

    private func run(hookID: Int, stream: AsyncStream<Pending>) async {
        for await item in stream {
            await send(item, hookID: hookID)
            lock.withLock { pending = max(0, pending - 1) }
        }
    }

    private func send(_ item: Pending, hookID: Int) async {
        if item.delayMs > 0 { try? await Task.sleep(for: .milliseconds(item.delayMs)) }
        let target: (Hook, HTTPClient)? = lock.withLock {
            guard !stopped, let hook = hooks[hookID] else { return nil }
            return (hook, httpClient())
        }
        guard let (hook, client) = target else {
            lock.withLock { update(item.sequence) { $0.outcome = .dropped(stopped ? "sandbox stopped" : "hook removed") } }
            return
        }
        // A form hook sends the same JSON in a `payload` field, and signs what it sends.
        let body = WebhookPayload.encoded(item.body, as: hook.info.contentType)
        var request = HTTPClientRequest(url: hook.info.url)
        request.method = .POST
        request.headers.add(name: "Accept", value: "*/*")
        request.headers.add(name: "Content-Type", value: hook.info.contentType.header)
        request.headers.add(name: "User-Agent", value: Self.userAgent)
        request.headers.add(name: "X-GitHub-Delivery", value: item.deliveryID)
        request.headers.add(name: "X-GitHub-Event", value: item.event)
        request.headers.add(name: "X-GitHub-Hook-ID", value: String(hookID))
        request.headers.add(name: "X-GitHub-Hook-Installation-Target-ID", value: String(item.repositoryID))
        request.headers.add(name: "X-GitHub-Hook-Installation-Target-Type", value: "repository")
        if let secret = hook.secret, !secret.isEmpty {
            request.headers.add(name: "X-Hub-Signature", value: WebhookPayload.signature1(body: body, secret: secret))
            request.headers.add(name: "X-Hub-Signature-256", value: WebhookPayload.signature256(body: body, secret: secret))
        }
        request.body = .bytes(body)

        let started = ContinuousClock.now
        let outcome: SandboxWebhookDelivery.Outcome
        do {
            let response = try await client.execute(request, timeout: .milliseconds(Int64(hook.info.timeoutMs)))
            outcome = .answered(status: Int(response.status.code))
            // GitHub keeps only the start of an answer; read a little and let the rest go.
            _ = try? await response.body.collect(upTo: 64 * 1024)
        } catch {
            outcome = .failed(Self.describe(error, timeoutMs: hook.info.timeoutMs))
        }
        let elapsed = ContinuousClock.now - started
        let milliseconds = Int(elapsed.components.seconds * 1000 + elapsed.components.attoseconds / 1_000_000_000_000_000)
        lock.withLock {
            update(item.sequence) {
                $0.outcome = outcome
                $0.durationMs = milliseconds
            }
        }
    }

    /// Caller holds the lock. One client for every hook, made on the first delivery so a Sandbox
    /// that never sends one never owns one.
    private func httpClient() -> HTTPClient {
        if let client { return client }
        var configuration = HTTPClient.Configuration(
            // GitHub does not follow a receiver's redirect; the 3xx is the answer.
            redirectConfiguration: .disallow,
            timeout: .init(connect: .seconds(10), read: .seconds(10)))
        // One try, as GitHub makes: a refused connection is this delivery's error at once, not a
        // reason to keep connecting until the timeout.
        configuration.connectionPool.retryConnectionEstablishment = false
        let made = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
        client = made
        return made
    }

    private static func describe(_ error: any Error, timeoutMs: Int) -> String {
        if let error = error as? HTTPClientError, error == .deadlineExceeded || error == .readTimeout {
            return "timed out: no answer within \(timeoutMs) ms"
        }
        if let error = error as? HTTPClientError, error == .connectTimeout {
            return "timed out connecting"
        }
        return "\(error)"
    }

    // MARK: The record

    /// Caller holds the lock. Appends and trims in chunks, so a burst does not shift the whole
    /// record once per delivery.
    private func append(_ record: SandboxWebhookDelivery) -> Int {
        let sequence = nextSequence
        nextSequence += 1
        var record = record
        record.number = Self.firstDeliveryNumber + sequence
        log.append(record)
        if log.count > Self.deliveryLogLimit + Self.deliveryLogLimit / 4 {
            let excess = log.count - Self.deliveryLogLimit
            log.removeFirst(excess)
            firstSequence += excess
        }
        return sequence
    }

    /// Caller holds the lock. A record already trimmed (or cleared by a reset) is left alone.
    private func update(_ sequence: Int, _ change: (inout SandboxWebhookDelivery) -> Void) {
        let index = sequence - firstSequence
        guard log.indices.contains(index) else { return }
        change(&log[index])
    }

    func deliveries() -> [SandboxWebhookDelivery] {
        lock.withLock { Array(log.suffix(Self.deliveryLogLimit)) }
    }

    /// Deliveries queued and not finished yet.
    func pendingCount() -> Int { lock.withLock { pending } }

    /// Waits until every queued delivery was sent, failed or dropped; false if `timeout` passed
    /// (or the waiting task was cancelled) first.
    func waitUntilSettled(timeout: Duration) async -> Bool {
        let deadline = ContinuousClock.now + timeout
        while pendingCount() > 0 {
            if ContinuousClock.now >= deadline || Task.isCancelled { return false }
            try? await Task.sleep(for: .milliseconds(5))
        }
        return true
    }

    /// Forgets the record and disarms webhook faults; hooks stay registered (they are where the
    /// receivers listen, not GitHub state), and deliveries already queued still go out.
    func reset() {
        lock.withLock {
            log.removeAll()
            firstSequence = nextSequence
            faults.removeAll()
        }
    }

    /// Stops every sender loop (an answer being awaited is abandoned) and closes the client.
    /// Safe to call more than once.
    func shutdown() async {
        let (loops, client): ([Task<Void, Never>], HTTPClient?) = lock.withLock {
            stopped = true
            for hook in hooks.values { hook.queue.finish() }
            let loops = hooks.values.compactMap(\.loop) + retiredLoops
            hooks.removeAll()
            retiredLoops.removeAll()
            pending = 0
            let client = self.client
            self.client = nil
            return (loops, client)
        }
        for loop in loops { loop.cancel() }
        for loop in loops { await loop.value }
        try? await client?.shutdown()
    }
}
