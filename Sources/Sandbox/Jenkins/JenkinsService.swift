import Foundation

/// The simulated Jenkins: folder jobs, `buildWithParameters`, the queue, builds, Basic auth and
/// the CSRF crumb issuer. Time-driven changes (a queue item starting, a build finishing) are
/// computed from the clock whenever the state is read, so no background task is needed.
struct JenkinsService: Sendable {
    static let version = "2.479.3"

    let users: [Scenario.User]
    let crumbEnabled: Bool
    let startDelay: TimeInterval
    let buildDuration: TimeInterval
    let queueRetention: TimeInterval
    /// What a build ends with unless the control API says otherwise.
    let defaultResult: SandboxBuildResult
    var jobs: [String: Int]  // job path -> next build number
    var jobOrder: [String]
    /// Job path -> the names of its string parameters.
    let jobParameters: [String: [String]]
    /// Job path -> what its builds write to the console (jobs without one write a default).
    let jobLogs: [String: Scenario.Log]
    var queue: [JenkinsQueueItem] = []
    var nextQueueID = 1

    init(scenario: Scenario.Jenkins) {
        users = scenario.users
        crumbEnabled = scenario.crumb
        startDelay = TimeInterval(scenario.startDelayMs) / 1000
        buildDuration = TimeInterval(scenario.buildDurationMs) / 1000
        queueRetention = TimeInterval(scenario.queueRetentionMs) / 1000
        defaultResult = SandboxBuildResult(rawValue: scenario.buildResult) ?? .success
        jobs = Dictionary(scenario.jobs.map { ($0.path, $0.nextBuildNumber) }, uniquingKeysWith: { a, _ in a })
        jobOrder = scenario.jobs.map(\.path)
        jobParameters = Dictionary(scenario.jobs.map { ($0.path, $0.parameters) }, uniquingKeysWith: { a, _ in a })
        jobLogs = Dictionary(scenario.jobs.compactMap { job in job.log.map { (job.path, $0) } }, uniquingKeysWith: { a, _ in a })
    }

    /// Starts every queue item whose delay has passed, in queue order, numbering builds per job.
    mutating func settle(now: Date) {
        for index in queue.indices where queue[index].isWaiting && queue[index].startsAt <= now {
            start(index, at: queue[index].startsAt)
        }
    }

    /// The item leaves the queue as the job's next build.
    private mutating func start(_ index: Int, at time: Date) {
        let path = queue[index].jobPath
        queue[index].buildNumber = jobs[path, default: 1]
        queue[index].startedAt = time
        jobs[path, default: 1] += 1
    }

    /// What the control API does to a build: sets the result it ends with and, with `finish`,
    /// ends it now — a waiting item first leaves the queue as a build, so it starts and ends at
    /// once. A build that already ended keeps its result (asking for the same one, or for nothing
    /// but `finish`, changes nothing); Jenkins never rewrites a finished build.
    mutating func control(
        queueID: Int, result: SandboxBuildResult?, finish: Bool, now: Date
    ) -> Result<JenkinsQueueItem, SandboxBuildControlError> {
        settle(now: now)
        guard let index = queue.firstIndex(where: { $0.id == queueID }) else { return .failure(.unknownQueueItem(queueID)) }
        if queue[index].cancelled { return .failure(.cancelled(queueID: queueID)) }
        if let ended = queue[index].finalResult(now: now, buildDuration: buildDuration) {
            if let result, result != ended { return .failure(.alreadyEnded(queueID: queueID, result: ended)) }
            return .success(queue[index])
        }
        if let result { queue[index].result = result }
        if finish {
            if queue[index].isWaiting {
                queue[index].startsAt = min(queue[index].startsAt, now)
                start(index, at: now)
            }
            // Never before the start, even with the clock set back since.
            queue[index].endedAt = max(now, queue[index].startedAt ?? now)
        }
        return .success(queue[index])
    }

    func builds(now: Date) -> [SandboxBuild] {
        queue.map { $0.asBuild(now: now, buildDuration: buildDuration) }
    }

    func crumb(for user: String) -> String {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in "sandbox-crumb:\(user)".utf8 {
            hash = (hash ^ UInt64(byte)) &* 0x0000_0100_0000_01B3
        }
        return String(hash, radix: 16)
    }

    @discardableResult
    mutating func cancel(queueID: Int, now: Date) -> Bool {
        settle(now: now)
        guard let index = queue.firstIndex(where: { $0.id == queueID }), queue[index].isWaiting else { return false }
        queue[index].cancelled = true
        queue[index].cancelledAt = now
        return true
    }

    // MARK: Request entry point

    /// `request.path` here is relative to the Jenkins root (the `/jenkins` prefix removed);
    /// `base` is the absolute Jenkins URL the client used, for `Location` and `url` fields.
    mutating func handle(_ request: IncomingRequest, segments: [String], base: String, now: Date) -> OutgoingResponse {
        settle(now: now)
        guard let credential = JenkinsCredential.match(authorization: request.header("authorization"), users: users) else {
            var response = Self.page(401, "Authentication required")
            response.setHeader("WWW-Authenticate", "Basic realm=\"Jenkins\"")
            return Self.decorate(response)
        }
        if crumbEnabled, request.method == "POST", case .password(let user) = credential,
           request.header("jenkins-crumb") != crumb(for: user) {
            return Self.decorate(Self.page(403, "No valid crumb was included in the request"))
        }
        return Self.decorate(route(request, segments: segments, base: base, credential: credential, now: now))
    }

    private static func decorate(_ response: OutgoingResponse) -> OutgoingResponse {
        var response = response
        response.headers += [("X-Jenkins", version), ("X-Hudson", "1.395")]
        return response
    }

    private mutating func route(
        _ request: IncomingRequest, segments: [String], base: String, credential: JenkinsCredential, now: Date
    ) -> OutgoingResponse {
        let method = request.method
        let get = method == "GET" || method == "HEAD"
        switch segments {
        case [], ["api", "json"]:
            guard get else { return Self.page(405, "Method not allowed") }
            return Self.answer(rootJSON(base: base), to: request)
        case ["me", "api", "json"], ["whoAmI", "api", "json"]:
            return .json(200, .object([
                ("_class", .string("hudson.model.User")),
                ("id", .string(credential.user)),
                ("fullName", .string(credential.user)),
                ("absoluteUrl", .string("\(base)/user/\(credential.user)")),
            ]))
        case ["crumbIssuer", "api", "json"]:
            guard crumbEnabled else { return Self.page(404, "Not Found") }
            return .json(200, .object([
                ("_class", .string("hudson.security.csrf.DefaultCrumbIssuer")),
                ("crumb", .string(crumb(for: credential.user))),
                ("crumbRequestField", .string("Jenkins-Crumb")),
            ]))
        case ["queue", "cancelItem"]:
            guard method == "POST" else { return Self.page(405, "Method not allowed") }
            guard let id = request.queryValue("id").flatMap(Int.init), queue.contains(where: { $0.id == id }) else {
                return Self.page(404, "Not Found")
            }
            cancel(queueID: id, now: now)
            // Jenkins redirects back to the queue page after a cancel.
            return OutgoingResponse(status: 302, headers: [("Location", "\(base)/queue/")])
        case ["queue", "api", "json"]:
            guard get else { return Self.page(405, "Method not allowed") }
            // Only items still in the queue are listed; those that left are at queue/item/ID.
            let items = queue.filter(\.isWaiting).map { queueItemJSON($0, base: base, now: now) }
            return Self.answer(.object([
                ("_class", .string("hudson.model.Queue")),
                ("discoverableItems", .array([])),
                ("items", .array(items)),
            ]), to: request)
        case let s where s.count == 5 && s[0] == "queue" && s[1] == "item" && s[3] == "api" && s[4] == "json":
            guard get, let id = Int(s[2]), let item = queue.first(where: { $0.id == id }),
                  item.leftAt.map({ now.timeIntervalSince($0) <= queueRetention }) ?? true
            else {
                return Self.page(404, "Not Found")
            }
            return .json(200, queueItemJSON(item, base: base, now: now))
        default:
            break
        }

        var jobPath: [String] = []
        var rest = segments[...]
        while rest.count >= 2, rest.first == "job" {
            jobPath.append(rest[rest.startIndex + 1])
            rest = rest.dropFirst(2)
        }
        guard !jobPath.isEmpty else { return Self.page(404, "Not Found") }
        let path = jobPath.joined(separator: "/")
        let tail = Array(rest)

        guard jobs[path] != nil else {
            // A folder: any proper prefix of a job's path.
            if get, tail == ["api", "json"], jobOrder.contains(where: { $0.hasPrefix(path + "/") }) {
                return .json(200, folderJSON(path, base: base))
            }
            return Self.page(404, "Not Found")
        }
        switch (method, tail) {
        case ("POST", ["buildWithParameters"]), ("POST", ["build"]):
            return enqueue(path, request: request, base: base, user: credential.user, now: now)
        case ("GET", ["api", "json"]):
            // Without `tree` builds are references (depth 0); a tree may reach into each build.
            let deep = request.queryValue("tree") != nil
            return Self.answer(jobJSON(path, base: base, now: now, deepBuilds: deep), to: request)
        case ("GET", let t) where t.count == 3 && t[1] == "api" && t[2] == "json":
            // A build stays here after its queue item is forgotten, as in Jenkins.
            guard let build = build(t[0], of: path, now: now) else { return Self.page(404, "Not Found") }
            return Self.answer(buildJSON(build, base: base, now: now), to: request)
        case (let m, let t) where (m == "GET" || m == "HEAD") && t.count == 2 && t[1] == "consoleText":
            guard let build = build(t[0], of: path, now: now) else { return Self.page(404, "Not Found") }
            return consoleText(build, now: now)
        case (let m, let t) where (m == "GET" || m == "HEAD") && t.count == 3 && t[1] == "logText" && t[2] == "progressiveText":
            guard let build = build(t[0], of: path, now: now) else { return Self.page(404, "Not Found") }
            return progressiveText(build, start: request.queryValue("start"), headersOnly: m == "HEAD", now: now)
        default:
            return Self.page(method == "GET" ? 404 : 405, method == "GET" ? "Not Found" : "Method not allowed")
        }
    }

    /// A build by number (`/job/X/7/`) or permalink (`/job/X/lastBuild/`).
    private func build(_ name: String, of path: String, now: Date) -> JenkinsQueueItem? {
        switch Int(name) {
        case let n?: queue.first { $0.jobPath == path && $0.buildNumber == n }
        case nil: permalink(name, of: path, now: now)
        }
    }

    private mutating func enqueue(_ path: String, request: IncomingRequest, base: String, user: String, now: Date) -> OutgoingResponse {
        var parameters = request.queryPairs.filter { $0.0 != "token" && $0.0 != "delay" }
        let contentType = request.header("content-type")?.lowercased() ?? ""
        if contentType.hasPrefix("application/x-www-form-urlencoded") || (contentType.isEmpty && !request.body.isEmpty) {
            parameters += PercentEncoding.formPairs(String(decoding: request.body, as: UTF8.self))
        }
        let map = parameters.reduce(into: [String: String]()) { $0[$1.0] = $1.1 }
        // Jenkins folds an identical request into the item already waiting for it.
        if let existing = queue.first(where: { $0.isWaiting && $0.jobPath == path && $0.parameterMap == map }) {
            return OutgoingResponse(status: 303, headers: [("Location", "\(base)/queue/item/\(existing.id)/")])
        }
        let item = JenkinsQueueItem(
            id: nextQueueID, jobPath: path, parameters: parameters, enqueuedAt: now,
            startsAt: now.addingTimeInterval(startDelay), result: defaultResult, requestedBy: user
        )
        nextQueueID += 1
        queue.append(item)
        return OutgoingResponse(status: 201, headers: [("Location", "\(base)/queue/item/\(item.id)/")])
    }

    // MARK: Representations

    static func jobURL(_ path: String, base: String) -> String {
        base + path.split(separator: "/").map { "/job/" + PercentEncoding.encode(String($0)) }.joined() + "/"
    }

    private func parametersAction(_ item: JenkinsQueueItem) -> JSONValue {
        .object([
            ("_class", .string("hudson.model.ParametersAction")),
            ("parameters", .array(item.parameterMap.sorted { $0.key < $1.key }.map { name, value in
                .object([
                    ("_class", .string("hudson.model.StringParameterValue")),
                    ("name", .string(name)),
                    ("value", .string(value)),
                ])
            })),
        ])
    }

    private func taskJSON(_ path: String, base: String, now: Date) -> JSONValue {
        .object([
            ("_class", .string("hudson.model.FreeStyleProject")),
            ("name", .string(String(path.split(separator: "/").last ?? ""))),
            ("url", .string(Self.jobURL(path, base: base))),
            ("color", .string(color(of: path, now: now))),
        ])
    }

    private func queueItemJSON(_ item: JenkinsQueueItem, base: String, now: Date) -> JSONValue {
        var fields: [(String, JSONValue)] = [
            ("_class", .string(item.isWaiting ? "hudson.model.Queue$WaitingItem" : "hudson.model.Queue$LeftItem")),
            ("actions", .array([parametersAction(item), .object([("_class", .string("hudson.model.CauseAction"))])])),
            ("blocked", .bool(false)),
            ("buildable", .bool(false)),
            ("id", .int(item.id)),
            ("inQueueSince", .int(Timestamp.milliseconds(item.enqueuedAt))),
            ("params", .string(item.parameters.map { "\n\($0.0)=\($0.1)" }.joined())),
            ("stuck", .bool(false)),
            ("task", taskJSON(item.jobPath, base: base, now: now)),
            ("url", .string("queue/item/\(item.id)/")),
            ("why", item.isWaiting ? .string("Waiting for next available executor") : .null),
            ("cancelled", .bool(item.cancelled)),
        ]
        if item.isWaiting {
            fields.append(("timestamp", .int(Timestamp.milliseconds(item.startsAt))))
        } else if let number = item.buildNumber {
            fields.append(("executable", .object([
                ("_class", .string("hudson.model.FreeStyleBuild")),
                ("number", .int(number)),
                ("url", .string(Self.jobURL(item.jobPath, base: base) + "\(number)/")),
            ])))
        } else {
            fields.append(("executable", .null))
        }
        return .object(fields)
    }

    /// A build as `/job/…/N/api/json` shows it: `building` until it ends, then `result` and the
    /// `duration` it took (ms; 0 while building, as Jenkins reports it).
    private func buildJSON(_ item: JenkinsQueueItem, base: String, now: Date) -> JSONValue {
        let number = item.buildNumber ?? 0
        let started = item.startedAt ?? item.startsAt
        let result = item.finalResult(now: now, buildDuration: buildDuration)
        let ended = item.endsAt(buildDuration: buildDuration) ?? started
        let leaf = item.jobPath.split(separator: "/").joined(separator: " » ")
        return .object([
            ("_class", .string("hudson.model.FreeStyleBuild")),
            ("actions", .array([parametersAction(item)])),
            ("building", .bool(result == nil)),
            ("displayName", .string("#\(number)")),
            ("duration", .int(result == nil ? 0 : Timestamp.milliseconds(ended) - Timestamp.milliseconds(started))),
            ("estimatedDuration", .int(Int(buildDuration * 1000))),
            ("fullDisplayName", .string("\(leaf) #\(number)")),
            ("id", .string(String(number))),
            ("keepLog", .bool(false)),
            ("number", .int(number)),
            ("queueId", .int(item.id)),
            ("result", result.map { .string($0.rawValue) } ?? .null),
            ("timestamp", .int(Timestamp.milliseconds(started))),
            ("url", .string(Self.jobURL(item.jobPath, base: base) + "\(number)/")),
        ])
    }

    /// A job's builds, newest first.
    private func builds(of path: String) -> [JenkinsQueueItem] {
        queue.filter { $0.jobPath == path && $0.buildNumber != nil }.sorted { ($0.buildNumber ?? 0) > ($1.buildNumber ?? 0) }
    }

    /// Jenkins' permalinks (`/job/X/lastFailedBuild/`): which of a job's builds each one names,
    /// given the build's result (nil while it runs).
    private static let permalinks: [(name: String, matches: @Sendable (SandboxBuildResult?) -> Bool)] = [
        ("lastBuild", { _ in true }),
        ("lastCompletedBuild", { $0 != nil }),
        ("lastSuccessfulBuild", { $0 == .success || $0 == .unstable }),
        ("lastStableBuild", { $0 == .success }),
        ("lastUnstableBuild", { $0 == .unstable }),
        ("lastFailedBuild", { $0 == .failure }),
        ("lastUnsuccessfulBuild", { $0 != nil && $0 != .success }),
    ]

    private func permalink(_ name: String, of path: String, now: Date) -> JenkinsQueueItem? {
        guard let link = Self.permalinks.first(where: { $0.name == name }) else { return nil }
        return builds(of: path).first { link.matches($0.finalResult(now: now, buildDuration: buildDuration)) }
    }

    /// The ball colour Jenkins gives a job: its last finished build's result (`blue`, `yellow`,
    /// `red`, `aborted`, `notbuilt`), with `_anime` while a build runs.
    private func color(of path: String, now: Date) -> String {
        let all = builds(of: path)
        let last = all.lazy.compactMap { $0.finalResult(now: now, buildDuration: self.buildDuration) }.first
        let base = switch last {
        case .success?: "blue"
        case .unstable?: "yellow"
        case .failure?: "red"
        case .aborted?: "aborted"
        case .notBuilt?, nil: "notbuilt"
        }
        let running = all.contains { $0.isBuilding(now: now, buildDuration: buildDuration) }
        return running ? base + "_anime" : base
    }

    /// `value` as JSON, cut down to the request's `tree=` when it has one (`400` for a bad tree).
    static func answer(_ value: JSONValue, to request: IncomingRequest) -> OutgoingResponse {
        guard let text = request.queryValue("tree") else { return .json(200, value) }
        guard let tree = JenkinsTree.parse(text) else { return page(400, "Malformed tree expression") }
        return .json(200, tree.apply(to: value))
    }

    private func jobJSON(_ path: String, base: String, now: Date, deepBuilds: Bool = false) -> JSONValue {
        let builds = builds(of: path)
        let waiting = queue.first { $0.jobPath == path && $0.isWaiting }
        func ref(_ item: JenkinsQueueItem) -> JSONValue {
            .object([
                ("_class", .string("hudson.model.FreeStyleBuild")),
                ("number", .int(item.buildNumber ?? 0)),
                ("url", .string(Self.jobURL(path, base: base) + "\(item.buildNumber ?? 0)/")),
            ])
        }
        var fields: [(String, JSONValue)] = [
            ("_class", .string("hudson.model.FreeStyleProject")),
            ("name", .string(String(path.split(separator: "/").last ?? ""))),
            ("fullName", .string(path)),
            ("url", .string(Self.jobURL(path, base: base))),
            ("buildable", .bool(true)),
            ("builds", .array(builds.map { deepBuilds ? buildJSON($0, base: base, now: now) : ref($0) })),
            ("color", .string(color(of: path, now: now))),
            ("inQueue", .bool(waiting != nil)),
            ("queueItem", waiting.map { .object([("id", .int($0.id))]) } ?? .null),
        ]
        for link in Self.permalinks {
            let build: JenkinsQueueItem? = permalink(link.name, of: path, now: now)
            fields.append((link.name, build.map(ref) ?? .null))
        }
        fields.append(("nextBuildNumber", .int(jobs[path] ?? 1)))
        fields.append(("property", .array(parametersProperty(path))))
        return .object(fields)
    }

    /// A parameterised job's `ParametersDefinitionProperty`; a job without parameters has none.
    private func parametersProperty(_ path: String) -> [JSONValue] {
        let names = jobParameters[path] ?? []
        guard !names.isEmpty else { return [] }
        return [.object([
            ("_class", .string("hudson.model.ParametersDefinitionProperty")),
            ("parameterDefinitions", .array(names.map { name in
                .object([
                    ("_class", .string("hudson.model.StringParameterDefinition")),
                    ("defaultParameterValue", .object([
                        ("_class", .string("hudson.model.StringParameterValue")),
                        ("name", .string(name)),
                        ("value", .string("")),
                    ])),
                    ("description", .string("")),
                    ("name", .string(name)),
                    ("type", .string("StringParameterDefinition")),
                ])
            })),
        ])]
    }

    private func folderJSON(_ path: String, base: String) -> JSONValue {
        let depth = path.split(separator: "/").count
        var children: [String] = []
        for job in jobOrder where job.hasPrefix(path + "/") {
            let child = job.split(separator: "/").prefix(depth + 1).joined(separator: "/")
            if !children.contains(child) { children.append(child) }
        }
        return .object([
            ("_class", .string("com.cloudbees.hudson.plugins.folder.Folder")),
            ("name", .string(String(path.split(separator: "/").last ?? ""))),
            ("fullName", .string(path)),
            ("url", .string(Self.jobURL(path, base: base))),
            ("jobs", .array(children.map { child in
                .object([
                    ("_class", .string(jobs[child] != nil ? "hudson.model.FreeStyleProject" : "com.cloudbees.hudson.plugins.folder.Folder")),
                    ("name", .string(String(child.split(separator: "/").last ?? ""))),
                    ("url", .string(Self.jobURL(child, base: base))),
                ])
            })),
        ])
    }

    private func rootJSON(base: String) -> JSONValue {
        let topLevel = jobOrder.reduce(into: [String]()) { names, job in
            let first = String(job.split(separator: "/")[0])
            if !names.contains(first) { names.append(first) }
        }
        return .object([
            ("_class", .string("hudson.model.Hudson")),
            ("mode", .string("NORMAL")),
            ("nodeDescription", .string("the Sandbox Jenkins")),
            ("useCrumbs", .bool(crumbEnabled)),
            ("url", .string(base + "/")),
            ("jobs", .array(topLevel.map { name in
                .object([
                    ("_class", .string(jobs[name] != nil ? "hudson.model.FreeStyleProject" : "com.cloudbees.hudson.plugins.folder.Folder")),
                    ("name", .string(name)),
                    ("url", .string(Self.jobURL(name, base: base))),
                ])
            })),
        ])
    }

    static func page(_ status: Int, _ message: String) -> OutgoingResponse {
        .text(status, "<html><head><title>Error \(status)</title></head><body><h2>HTTP ERROR \(status) \(message)</h2></body></html>", contentType: "text/html;charset=utf-8")
    }
}
