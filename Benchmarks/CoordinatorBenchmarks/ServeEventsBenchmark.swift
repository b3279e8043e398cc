import AsyncHTTPClient
import Coordinator
import CoordinatorService
import Foundation
import Logging
import NIOCore
import Sandbox

// `serve`'s event stream under load: N clients attached to `GET /api/events` over loopback HTTP
// (AsyncHTTPClient, in this process, so their reading shares the cores with `serve`), then the
// relabels of ServeBenchmarks — a label changed in the Sandbox → its signed `issues` webhook →
// the daemon → the Jenkins build POST → the labels moved → a `dispatch` event to every client —
// one at a time, each waited for at every client before the next. Measured: from the relabel (the
// Sandbox queues the webhook then) to the `dispatch` event for that issue at each client, and
// serve's webhook → Jenkins latency (as ServeBenchmarks) while the clients are attached.

/// What the engine reports: when each webhook led to its Jenkins POST, and when each dispatch
/// outcome was published (the event monitor publishes before this observer is told).
private final class EngineTimes: ServeMonitor, @unchecked Sendable {
    private let lock = NSLock()
    private var jenkins: [(at: ContinuousClock.Instant, latency: Duration)] = []
    private var published: [Int: ContinuousClock.Instant] = [:]
    private var outcomes: [String: Int] = [:]

    var jenkinsSamples: [(at: ContinuousClock.Instant, latency: Duration)] { lock.withLock { jenkins } }
    func publishedAt(_ issue: Int) -> ContinuousClock.Instant? { lock.withLock { published[issue] } }
    var outcomeCounts: [String: Int] { lock.withLock { outcomes } }

    func dispatched(repo: String, outcome: DispatchOutcome) {
        let now = ContinuousClock.now
        lock.withLock {
            outcomes[outcome.kind, default: 0] += 1
            if published[outcome.issueNumber] == nil { published[outcome.issueNumber] = now }
        }
    }
    func polled(repo: String) {}
    func surveyed(repo: String, busy: [BusyIssue]) {}
    func webhookToJenkins(_ latency: Duration) {
        let now = ContinuousClock.now
        lock.withLock { jenkins.append((now, latency)) }
    }
}

/// What the clients saw: how many are attached, and per issue when its first `dispatch` event
/// reached each client.
private final class ClientBoard: @unchecked Sendable {
    private let lock = NSLock()
    private var attachedCount = 0
    private var received: [Int: [ContinuousClock.Instant]] = [:]
    private var problems: [String] = []
    private var ended = 0
    private var types: [String: Int] = [:]

    var attached: Int { lock.withLock { attachedCount } }
    var streamsEnded: Int { lock.withLock { ended } }
    var firstProblem: String? { lock.withLock { problems.first } }
    /// Events read by all the clients together, by type.
    var eventTypes: [String: Int] { lock.withLock { types } }
    func receivedCount(_ issue: Int) -> Int { lock.withLock { received[issue]?.count ?? 0 } }
    func receipts(_ issue: Int) -> [ContinuousClock.Instant] { lock.withLock { received[issue] ?? [] } }

    func attach() { lock.withLock { attachedCount += 1 } }
    func record(issue: Int, at: ContinuousClock.Instant) { lock.withLock { received[issue, default: []].append(at) } }
    func problem(_ text: String) { lock.withLock { problems.append(text) } }
    func streamEnded() { lock.withLock { ended += 1 } }
    func read(_ counts: [String: Int]) { lock.withLock { types.merge(counts, uniquingKeysWith: +) } }
}

/// Server-Sent Events, fed bytes as they come: each line's field, and each event (its type and
/// data) at the blank line that ends it. Lines end in LF (a CR before it is dropped).
struct ServerSentEventParser {
    private var line: [UInt8] = []
    private var type = ""
    private var data: [String] = []

    mutating func feed(
        _ bytes: some Sequence<UInt8>, field: (_ name: String, _ value: String) -> Void, event: (_ type: String, _ data: String) -> Void
    ) {
        for byte in bytes {
            guard byte == UInt8(ascii: "\n") else {
                line.append(byte)
                continue
            }
            if line.last == UInt8(ascii: "\r") { line.removeLast() }
            defer { line.removeAll(keepingCapacity: true) }
            guard !line.isEmpty else {
                if !data.isEmpty { event(type.isEmpty ? "message" : type, data.joined(separator: "\n")) }
                (type, data) = ("", [])
                continue
            }
            // A line starting with a colon is a comment.
            guard line.first != UInt8(ascii: ":") else { continue }
            let colon = line.firstIndex(of: UInt8(ascii: ":")) ?? line.endIndex
            let name = String(decoding: line[..<colon], as: UTF8.self)
            var valueStart = colon == line.endIndex ? colon : colon + 1
            if valueStart < line.endIndex, line[valueStart] == UInt8(ascii: " ") { valueStart += 1 }
            let value = String(decoding: line[valueStart...], as: UTF8.self)
            switch name {
            case "event": type = value
            case "data": data.append(value)
            default: break
            }
            field(name, value)
        }
    }
}

/// The `issue` of a `dispatch` event's one-line JSON (its keys are sorted, so the top-level
/// `"issue":` comes before any string that could quote one).
private func issueNumber(inEventData data: String) -> Int? {
    guard let key = data.range(of: "\"issue\":") else { return nil }
    return Int(data[key.upperBound...].prefix { $0.isASCII && $0.isNumber })
}

private struct ServeEventsBenchmarkError: Error, CustomStringConvertible {
    var description: String
}

/// The figures of one run, in milliseconds.
private struct ServeEventsFigures {
    var clients: Int
    var relabels: Int
    /// Relabel → the event at a client, every client of every relabel.
    var atClient: [Double] = []
    /// Relabel → the event at the last client to get it, per relabel.
    var atLastClient: [Double] = []
    /// serve's webhook → Jenkins POST (its own measure), per relabel.
    var jenkins: [Double] = []
    /// Relabel → the webhook's arrival at serve.
    var toServe: [Double] = []
    /// The webhook's arrival → the dispatch event published (lock, re-read, Jenkins, label moves).
    var toPublished: [Double] = []
    /// Published → at a client, every client of every relabel.
    var publishedToClient: [Double] = []
    var outcomes: [String: Int] = [:]
    /// Events each client read, by type (the average over the clients).
    var eventsPerClient: [String: Int] = [:]
    var streamsEndedOnShutdown = 0
    var stoppedEarly = false
}

/// Runs the benchmark and prints its lines; a failure to set up is printed, not fatal.
func runServeEventsBenchmark(clients: Int, relabels: Int) async {
    do {
        let figures = try await measureServeEvents(clients: clients, relabels: relabels)
        func ms(_ values: [Double]) -> (p50: Double, p95: Double, p99: Double, max: Double) {
            let sorted = values.sorted()
            func percentile(_ p: Double) -> Double { sorted.isEmpty ? 0 : sorted[min(sorted.count - 1, Int(Double(sorted.count) * p))] }
            return (percentile(0.5), percentile(0.95), percentile(0.99), sorted.last ?? 0)
        }
        let outcomes = figures.outcomes.sorted { $0.key < $1.key }.map { "\($0.value) \($0.key)" }.joined(separator: ", ")
        print("serve-events: \(figures.clients) clients on GET /api/events, \(figures.relabels) relabels one at a time (dispatch events published: \(outcomes))"
            + (figures.stoppedEarly ? "; stopped at the time limit" : ""))
        if figures.clients > 0 {
            let event = ms(figures.atClient), last = ms(figures.atLastClient), fanOut = ms(figures.publishedToClient)
            print(String(
                format: "serve-events: webhook → dispatch event at a client, %d receipts: p50 %.2f ms, p95 %.2f ms, p99 %.2f ms, max %.2f ms (budget p95 ≤ 100 ms with 100 clients: %@)",
                figures.atClient.count, event.p50, event.p95, event.p99, event.max, event.p95 <= 100 ? "holds" : "MISSED"))
            print(String(
                format: "serve-events: webhook → the event at the last of %d clients, per relabel: p50 %.2f ms, p95 %.2f ms, max %.2f ms",
                figures.clients, last.p50, last.p95, last.max))
            print(String(
                format: "serve-events: of which event published → at a client: p50 %.2f ms, p95 %.2f ms, max %.2f ms",
                fanOut.p50, fanOut.p95, fanOut.max))
        }
        let toServe = ms(figures.toServe), toPublished = ms(figures.toPublished), jenkins = ms(figures.jenkins)
        print(String(
            format: "serve-events: relabel → webhook at serve p50 %.2f / p95 %.2f ms; webhook at serve → event published (Jenkins, label moves) p50 %.2f / p95 %.2f ms",
            toServe.p50, toServe.p95, toPublished.p50, toPublished.p95))
        print(String(
            format: "serve-events: webhook → Jenkins POST with %d clients attached, %d relabels: p50 %.2f ms, p95 %.2f ms, p99 %.2f ms, max %.2f ms (budget p95 ≤ 250 ms: %@)",
            figures.clients, figures.jenkins.count, jenkins.p50, jenkins.p95, jenkins.p99, jenkins.max, jenkins.p95 <= 250 ? "holds" : "MISSED"))
        // Whether the run drifts: the medians of each tenth of the relabels, in order.
        func tenths(_ values: [Double]) -> String {
            let size = max(1, values.count / 10)
            return stride(from: 0, to: values.count, by: size).map { start in
                String(format: "%.1f", ms(Array(values[start..<min(values.count, start + size)])).p50)
            }.joined(separator: " ")
        }
        print("serve-events: p50 per tenth of the run (ms): webhook → Jenkins \(tenths(figures.jenkins)); webhook at serve → published \(tenths(figures.toPublished))"
            + (figures.clients > 0 ? "; webhook → the last client \(tenths(figures.atLastClient))" : ""))
        if figures.clients > 0 {
            let read = figures.eventsPerClient.sorted { $0.key < $1.key }.map { "\($0.value) \($0.key)" }.joined(separator: ", ")
            print("serve-events: each client read \(read); streams ended by serve's shutdown: \(figures.streamsEndedOnShutdown) of \(figures.clients)")
        }
    } catch {
        print("serve-events: n/a (\(error))")
    }
}

private func measureServeEvents(clients: Int, relabels: Int) async throws -> ServeEventsFigures {
    let operatorToken = "benchmark-operator-token"
    let world = try await ServeBenchmarkWorld.start(issues: relabels, name: "serve-events")
    let (server, workspace, logger, secret) = (world.server, world.workspace, world.logger, ServeBenchmarkWorld.webhookSecret)
    let engineTimes = EngineTimes()
    let daemon = await ServeDaemon(
        workspace: workspace,
        endpoint: ServiceEndpoint(
            host: "127.0.0.1", port: 0, webhookSecret: Secret(secret),
            operators: [ServeOperator(name: "bench", role: .read, tokenDigest: TokenDigest(of: operatorToken))]),
        pollInterval: nil, actor: "benchmark (serve)", signals: false, observer: engineTimes, logger: logger)
    let running = Task { try await daemon.run() }
    var pool = HTTPClient.Configuration()
    pool.connectionPool = .init(idleTimeout: .seconds(60), concurrentHTTP1ConnectionsPerHostSoftLimit: max(8, clients))
    let http = HTTPClient(eventLoopGroupProvider: .singleton, configuration: pool)
    let board = ClientBoard()
    var readers: Task<Void, Never>?
    var figures = ServeEventsFigures(clients: clients, relabels: 0)

    func cleanUp() async {
        // serve's shutdown should end every stream; the readers are cancelled if it did not.
        await daemon.shutdown()
        _ = try? await running.value
        if let readers {
            let late = Task {
                try? await Task.sleep(for: .seconds(10))
                readers.cancel()
            }
            await readers.value
            late.cancel()
        }
        figures.streamsEndedOnShutdown = board.streamsEnded
        figures.eventsPerClient = board.eventTypes.mapValues { $0 / max(1, clients) }
        try? await http.shutdown()
        await world.stop()
    }
    do {
        guard let port = await daemon.port() else { throw ServeEventsBenchmarkError(description: "the daemon did not listen") }
        try server.addWebhook(url: "http://127.0.0.1:\(port)/webhooks/github", secret: secret)
        try await waitFor("the start-up poll") { daemon.engine.pollState().allSatisfy { $0.lastPoll != nil } }

        let url = "http://127.0.0.1:\(port)/api/events"
        readers = Task {
            await withTaskGroup(of: Void.self) { group in
                for _ in 0..<clients {
                    group.addTask { await readEvents(url: url, token: operatorToken, http: http, board: board) }
                }
            }
        }
        try await waitFor("\(clients) clients attached (\(board.attached) got `retry: 2000`)", timeout: .seconds(60)) {
            board.attached == clients || board.firstProblem != nil
        }
        if let problem = board.firstProblem { throw ServeEventsBenchmarkError(description: problem) }
        guard daemon.events.clientCount == clients else {
            throw ServeEventsBenchmarkError(description: "serve counts \(daemon.events.clientCount) attached clients, not \(clients)")
        }

        let stopAt = ContinuousClock.now + .seconds(90)
        for number in 1...relabels {
            let sent = ContinuousClock.now
            _ = await server.setLabels(owner: "acme", repo: "demo", number: number, labels: ["status-02:awaiting-planning"])
            try await waitFor("the dispatch event of #\(number)") {
                engineTimes.publishedAt(number) != nil && engineTimes.jenkinsSamples.count >= number
                    && (board.receivedCount(number) >= clients || board.firstProblem != nil)
            }
            if let problem = board.firstProblem { throw ServeEventsBenchmarkError(description: problem) }
            guard let published = engineTimes.publishedAt(number) else { continue }
            let jenkins = engineTimes.jenkinsSamples[number - 1]
            let arrived = jenkins.at - jenkins.latency
            figures.relabels = number
            figures.jenkins.append(milliseconds(jenkins.latency))
            figures.toServe.append(milliseconds(arrived - sent))
            figures.toPublished.append(milliseconds(published - arrived))
            let receipts = board.receipts(number)
            figures.atClient += receipts.map { milliseconds($0 - sent) }
            figures.publishedToClient += receipts.map { milliseconds($0 - published) }
            if let last = receipts.max() { figures.atLastClient.append(milliseconds(last - sent)) }
            if ContinuousClock.now >= stopAt, number < relabels {
                figures.stoppedEarly = true
                break
            }
        }
        figures.outcomes = engineTimes.outcomeCounts
        await cleanUp()
        return figures
    } catch {
        await cleanUp()
        throw error
    }
}

/// One client: attaches, notes the `retry` line that comes first, and records when each issue's
/// first `dispatch` event arrived, until the stream ends or the task is cancelled.
private func readEvents(url: String, token: String, http: HTTPClient, board: ClientBoard) async {
    do {
        var request = HTTPClientRequest(url: url)
        request.headers.add(name: "Authorization", value: "Bearer \(token)")
        let response = try await http.execute(request, timeout: .seconds(30))
        guard response.status == .ok else {
            board.problem("GET /api/events answered \(response.status.code)")
            return
        }
        var parser = ServerSentEventParser()
        var firstLine = true
        var seen = Set<Int>()
        var types: [String: Int] = [:]
        defer { board.read(types) }
        for try await buffer in response.body {
            let at = ContinuousClock.now
            parser.feed(buffer.readableBytesView) { name, value in
                if firstLine {
                    firstLine = false
                    if name == "retry" { board.attach() } else { board.problem("the stream began with \(name): \(value), not retry") }
                }
            } event: { type, data in
                types[type, default: 0] += 1
                guard type == "dispatch", let issue = issueNumber(inEventData: data), seen.insert(issue).inserted else { return }
                board.record(issue: issue, at: at)
            }
        }
        board.streamEnded()
    } catch {
        if !Task.isCancelled { board.problem("a client's stream failed: \(error)") }
    }
}

private func milliseconds(_ duration: Duration) -> Double {
    Double(duration.components.seconds) * 1000 + Double(duration.components.attoseconds) / 1e15
}

private func waitFor(_ what: @autoclosure () -> String, timeout: Duration = .seconds(30), _ condition: () -> Bool) async throws {
    let deadline = ContinuousClock.now + timeout
    while !condition() {
        guard ContinuousClock.now < deadline else { throw ServeEventsBenchmarkError(description: "timed out waiting for \(what())") }
        try await Task.sleep(for: .milliseconds(1))
    }
}
