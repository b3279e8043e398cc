import Foundation

extension Scenario {
    /// Reads and validates a scenario file.
    /// - Throws: `ScenarioError` naming the file and what is wrong where.
    public static func load(from url: URL) throws -> Scenario {
        let data: Data
        do {
            data = try Data(contentsOf: url)
        } catch {
            throw ScenarioError(file: url.path, location: "", problem: "cannot read file (\(error.localizedDescription))")
        }
        return try decode(data, file: url.path)
    }

    /// Parses and validates scenario JSON that did not come from a file.
    public static func decode(_ data: Data, file: String? = nil) throws -> Scenario {
        let scenario: Scenario
        do {
            scenario = try JSONDecoder().decode(Scenario.self, from: data)
        } catch let error as DecodingError {
            throw ScenarioError(file: file, decoding: error)
        }
        try scenario.validate(file: file)
        return scenario
    }

    /// The example shipped with the library: three `acme` repositories, about forty issues over
    /// the whole workflow label set, and three executor jobs.
    public static var exampleURL: URL {
        guard let url = Bundle.module.url(forResource: "example", withExtension: "json", subdirectory: "Scenarios") else {
            preconditionFailure("Sandbox resource Scenarios/example.json is missing from the bundle")
        }
        return url
    }

    public static func example() throws -> Scenario {
        try load(from: exampleURL)
    }

    /// Checks what JSON decoding cannot: unique keys, known states, well-formed timestamps.
    public func validate(file: String? = nil) throws {
        func fail(_ location: String, _ problem: String) -> ScenarioError {
            ScenarioError(file: file, location: location, problem: problem)
        }
        if github.tokens.isEmpty { throw fail("github.tokens", "at least one token is needed") }
        for (i, token) in github.tokens.enumerated() {
            if token.token.isEmpty { throw fail("github.tokens[\(i)].token", "must not be empty") }
            if token.hourlyQuota < 0 { throw fail("github.tokens[\(i)].hourly_quota", "must not be negative") }
        }
        var repoNames = Set<String>()
        for (r, repo) in github.repositories.enumerated() {
            let at = "github.repositories[\(r)]"
            if repo.owner.isEmpty || repo.name.isEmpty || repo.owner.contains("/") || repo.name.contains("/") {
                throw fail(at, "owner and name must be non-empty and contain no \"/\"")
            }
            guard repoNames.insert("\(repo.owner)/\(repo.name)".lowercased()).inserted else {
                throw fail(at, "repository \(repo.owner)/\(repo.name) appears twice")
            }
            var numbers = Set<Int>()
            for (i, issue) in repo.issues.enumerated() {
                let at = "\(at).issues[\(i)]"
                guard (1...Self.largestNumber).contains(issue.number) else {
                    throw fail("\(at).number", "must be from 1 to \(Self.largestNumber)")
                }
                guard numbers.insert(issue.number).inserted else {
                    throw fail("\(at).number", "number \(issue.number) is used twice in \(repo.owner)/\(repo.name)")
                }
                guard issue.state == "open" || issue.state == "closed" else {
                    throw fail("\(at).state", "must be \"open\" or \"closed\", found \"\(issue.state)\"")
                }
                let stamps = [("created_at", issue.createdAt), ("updated_at", issue.updatedAt), ("closed_at", issue.closedAt)]
                for case let (key, value?) in stamps where Timestamp.parse(value) == nil {
                    throw fail("\(at).\(key)", "\"\(value)\" is not a UTC timestamp like 2026-11-24T10:00:00Z")
                }
                try validate(events: issue.events ?? [], of: issue, at: at, file: file)
            }
        }
        try Webhook.validate(github.webhooks, file: file)
        try validateApps(repositories: repoNames, fail: fail)
        for (i, user) in jenkins.users.enumerated() where user.apiToken == nil && user.password == nil {
            throw fail("jenkins.users[\(i)]", "user \(user.username) needs an api_token or a password")
        }
        var jobPaths = Set<String>()
        for (i, job) in jenkins.jobs.enumerated() {
            let segments = job.path.split(separator: "/", omittingEmptySubsequences: false)
            if segments.isEmpty || segments.contains(where: \.isEmpty) {
                throw fail("jenkins.jobs[\(i)].path", "\"\(job.path)\" is not a path like Folder/Sub/Job")
            }
            guard jobPaths.insert(job.path).inserted else { throw fail("jenkins.jobs[\(i)].path", "\(job.path) appears twice") }
            if !(1...Self.largestNumber).contains(job.nextBuildNumber) {
                throw fail("jenkins.jobs[\(i)].next_build_number", "must be from 1 to \(Self.largestNumber)")
            }
            if let rate = job.log?.linesPerSecond, !(rate.isFinite && rate >= 0 && rate <= 1_000_000) {
                throw fail("jenkins.jobs[\(i)].log.lines_per_second", "must be a number from 0 to 1000000")
            }
        }
        let durations = [
            ("start_delay_ms", jenkins.startDelayMs), ("build_duration_ms", jenkins.buildDurationMs),
            ("queue_retention_ms", jenkins.queueRetentionMs),
        ]
        for (key, value) in durations where !(0...Self.longestMilliseconds).contains(value) {
            throw fail("jenkins.\(key)", "must be from 0 to \(Self.longestMilliseconds) (one year)")
        }
        if SandboxBuildResult(rawValue: jenkins.buildResult) == nil {
            throw fail("jenkins.build_result", "\"\(jenkins.buildResult)\" is not one of \(SandboxBuildResult.spellings)")
        }
    }

    /// A declared history must be one GitHub could have recorded: known kinds, a label exactly on
    /// the label events, and times within the issue's life so far (`created_at` … `updated_at`,
    /// which every event bumps on GitHub).
    private func validate(events: [Issue.Event], of issue: Issue, at: String, file: String?) throws {
        let created = Timestamp.parse(issue.createdAt)
        let updated = issue.updatedAt.flatMap(Timestamp.parse) ?? created
        for (e, event) in events.enumerated() {
            let at = "\(at).events[\(e)]"
            func fail(_ key: String, _ problem: String) -> ScenarioError {
                ScenarioError(file: file, location: key.isEmpty ? at : "\(at).\(key)", problem: problem)
            }
            guard Issue.Event.kinds.contains(event.event) else {
                throw fail("event", "must be one of \(Issue.Event.kinds.joined(separator: ", ")), found \"\(event.event)\"")
            }
            let needsLabel = event.event == "labeled" || event.event == "unlabeled"
            if needsLabel, (event.label ?? "").trimmingCharacters(in: .whitespaces).isEmpty {
                throw fail("label", "a \(event.event) event needs the label's name")
            }
            if !needsLabel, event.label != nil { throw fail("label", "only labeled and unlabeled events carry a label") }
            if let actor = event.actor, actor.isEmpty { throw fail("actor", "must not be empty") }
            guard let time = Timestamp.parse(event.createdAt) else {
                throw fail("created_at", "\"\(event.createdAt)\" is not a UTC timestamp like 2026-11-24T10:00:00Z")
            }
            if let created, time < created { throw fail("created_at", "is before the issue's created_at \(issue.createdAt)") }
            if let updated, time > updated {
                throw fail("created_at", "is after the issue's updated_at \(Timestamp.format(updated)); every event updates the issue")
            }
        }
    }

    /// The largest issue or build number: GitHub's GraphQL `Int` and Jenkins's build numbers are
    /// 32-bit, and a number near `Int.max` would overflow when the next one is counted.
    static let largestNumber = Int(Int32.max)

    /// The longest simulated delay or duration: a year. Longer ones would overflow when a build's
    /// times are rendered in milliseconds.
    static let longestMilliseconds = 365 * 86_400 * 1000
}
