/// One thing `coordinator doctor` looked at, and what it found: data, so the command prints it,
/// `--json` encodes it and tests compare it, all from the same value.
public struct DoctorCheck: Sendable, Equatable, Encodable {
    /// How a check came out.
    public enum Status: String, Sendable, Equatable, Encodable, CaseIterable {
        /// Works.
        case ok
        /// Works, but something is not as it should be (a cache file others can read).
        case warning
        /// Does not work: the coordinator will fail here. Only this makes `doctor` exit 1.
        case failed
        /// Could not be told from outside (a fine-grained token's permissions).
        case unknown
        /// Not looked at, because a check it depends on failed (`found` says which).
        case skipped
    }

    /// Which check, stable across versions: `github.token`, `github.labels`, `jenkins.job`, ….
    public var id: String
    /// The `[coordinator.repos.NAME]` it concerns; nil for checks of the whole config (the
    /// token, Jenkins, the cache directory, the database store).
    public var repo: String?
    public var status: Status
    /// What was found, in one line.
    public var found: String
    /// One line that says what to do about it; nil when there is nothing to do.
    public var fix: String?
    /// The names behind a failure, when it lists some (missing labels, missing parameters).
    public var details: [String]

    public init(id: String, repo: String? = nil, status: Status, found: String, fix: String? = nil, details: [String] = []) {
        self.id = id
        self.repo = repo
        self.status = status
        self.found = found
        self.fix = fix
        self.details = details
    }

    /// What the line is about: the repository's name, else the service (`github`, `jenkins`,
    /// `cache`, `store`), the part of `id` before the dot.
    public var subject: String {
        repo ?? String(id.split(separator: ".").first ?? "")
    }

    static func ok(_ id: String, repo: String? = nil, _ found: String) -> DoctorCheck {
        DoctorCheck(id: id, repo: repo, status: .ok, found: found)
    }

    static func failed(_ id: String, repo: String? = nil, _ found: String, fix: String, details: [String] = []) -> DoctorCheck {
        DoctorCheck(id: id, repo: repo, status: .failed, found: found, fix: fix, details: details)
    }

    static func skipped(_ id: String, repo: String? = nil, because reason: String) -> DoctorCheck {
        DoctorCheck(id: id, repo: repo, status: .skipped, found: "skipped: \(reason)")
    }

    // Every key is written, `null` included, so the document keeps one shape.
    private enum CodingKeys: String, CodingKey { case id, repo, subject, status, found, fix, details }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(id, forKey: .id)
        try c.encode(repo, forKey: .repo)
        try c.encode(subject, forKey: .subject)
        try c.encode(status, forKey: .status)
        try c.encode(found, forKey: .found)
        try c.encode(fix, forKey: .fix)
        try c.encode(details, forKey: .details)
    }
}

/// Everything `coordinator doctor` found, in the order it looked.
public struct DoctorReport: Sendable, Equatable, Encodable {
    /// The config file the checks ran against.
    public var config: String
    public var checks: [DoctorCheck]

    public init(config: String, checks: [DoctorCheck]) {
        self.config = config
        self.checks = checks
    }

    /// Nothing failed. Warnings, "cannot tell" and skips alone do not make a setup unusable (a
    /// skip only follows a failure anyway).
    public var allGood: Bool { !checks.contains { $0.status == .failed } }

    /// How many checks came out each way, every status named (0 included).
    public var counts: [String: Int] {
        Dictionary(uniqueKeysWithValues: DoctorCheck.Status.allCases.map { status in
            (status.rawValue, checks.filter { $0.status == status }.count)
        })
    }

    /// The checks of one repository, or (nil) those of the whole config.
    public func checks(repo: String?) -> [DoctorCheck] {
        checks.filter { $0.repo == repo }
    }

    private enum CodingKeys: String, CodingKey { case config, ok, counts, checks }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(config, forKey: .config)
        try c.encode(allGood, forKey: .ok)
        try c.encode(counts, forKey: .counts)
        try c.encode(checks, forKey: .checks)
    }
}
