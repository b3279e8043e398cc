@testable import Coordinator
import Foundation
import Sandbox
import XCTest

#if canImport(Glibc)
import Glibc
#endif

/// `Doctor` against the Sandbox over real HTTP on 127.0.0.1: what each check finds on a good setup
/// and on each kind of broken one, and that a check behind a failed one is skipped, not failed.
final class DoctorTests: XCTestCase {
    private var harness: SandboxHarness?
    private var root: URL?

    override func tearDown() async throws {
        await harness?.stop()
        harness = nil
        if let root {
            // A test may have taken write permission away; give it back so the tree can go.
            chmod(root.appendingPathComponent("cache").path, 0o700)
            try? FileManager.default.removeItem(at: root)
        }
        root = nil
        try await super.tearDown()
    }

    // MARK: Fixtures

    static let requiredLabels = RequiredLabels.names(WorkflowRules())
    static let failureLabels = RequiredLabels.failureNames(WorkflowRules())

    /// `acme/demo` with every required and failure label defined, one token, the executor job with its four
    /// parameters, as `adjust` leaves them.
    private func start(
        scopes: [String] = ["repo"], fineGrained: Bool = false, hourlyQuota: Int = 5000,
        labels: [String] = DoctorTests.requiredLabels + DoctorTests.failureLabels, parameters: [String] = Scenario.Job.executorParameters,
        extraJobs: [Scenario.Job] = []
    ) async throws -> SandboxHarness {
        var scenario = SandboxHarness.scenario(hourlyQuota: hourlyQuota)
        scenario.github.tokens = [.init(
            token: SandboxHarness.token, login: "coordinator-bot", hourlyQuota: hourlyQuota, scopes: scopes, fineGrained: fineGrained)]
        scenario.github.labels = labels.map { Scenario.Label(name: $0) }
        scenario.jenkins.jobs = [.init(path: SandboxHarness.jobPath, parameters: parameters)] + extraJobs
        let started = try await SandboxHarness.start(scenario)
        harness = started
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("doctor-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        root = dir
        return started
    }

    private var cacheDir: String { (root ?? FileManager.default.temporaryDirectory).appendingPathComponent("cache").path }

    private func config(
        _ h: SandboxHarness, token: String = SandboxHarness.token, repoURL: String = "https://github.com/acme/demo.git",
        jobPath: String = SandboxHarness.jobPath, jenkinsURL: String? = nil, cacheDir: String? = nil
    ) throws -> CoordinatorConfig {
        let repo = try XCTUnwrap(RepoURL(parsing: repoURL))
        return CoordinatorConfig(
            path: "/etc/doctor-test.toml",
            github: GitHubSettings(token: Secret(token), apiURL: h.server.githubAPIURL),
            jenkins: JenkinsSettings(
                serverURL: jenkinsURL ?? h.server.jenkinsURL, username: SandboxHarness.jenkinsUser,
                apiToken: Secret(SandboxHarness.jenkinsAPIToken)),
            settings: CoordinatorSettings(cacheDirectory: cacheDir ?? self.cacheDir),
            repos: [RepoConfig(
                name: "demo", repoURLText: repoURL, repo: repo, executorJobPath: jobPath, githubCredentialsID: "github-pat")])
    }

    private func doctor(_ h: SandboxHarness, _ config: CoordinatorConfig) async -> DoctorReport {
        await Doctor(
            config: config, githubHTTP: h.http, jenkinsHTTP: h.http, retryPolicy: SandboxHarness.fastRetries,
            requestTimeout: .seconds(5), logger: SandboxHarness.logger
        ).run()
    }

    private func check(_ report: DoctorReport, _ id: String, file: StaticString = #filePath, line: UInt = #line) throws -> DoctorCheck {
        try XCTUnwrap(report.checks.first { $0.id == id }, "no \(id) in \(report.checks.map(\.id))", file: file, line: line)
    }

    private func statuses(_ report: DoctorReport) -> [String: DoctorCheck.Status] {
        Dictionary(report.checks.map { ($0.id, $0.status) }, uniquingKeysWith: { first, _ in first })
    }

    static let allIDs = [
        "github.token", "github.rate_limit", "jenkins.connection", "cache.directory", "cache.mode",
        "github.repository", "github.scopes", "github.labels", "github.failure_labels", "github.linked_branches",
        "jenkins.job", "jenkins.job_parameters", "cache.files",
    ]

    // MARK: All good

    func testAProperSetupPassesEveryCheckWithoutWritingAnything() async throws {
        let h = try await start()
        let report = await doctor(h, try config(h))

        XCTAssertEqual(report.checks.map(\.id), Self.allIDs)
        XCTAssertEqual(report.checks.filter { $0.status != .ok }, [], "\(report.checks)")
        XCTAssertTrue(report.allGood)
        XCTAssertEqual(try check(report, "github.token").found, "token works (user coordinator-bot, scopes: repo)")
        let limit = try check(report, "github.rate_limit").found
        XCTAssertTrue(limit.hasPrefix("4999 of 5000 requests left this hour"), limit)
        XCTAssertEqual(try check(report, "github.labels").found, "all 6 pickup and busy labels exist in acme/demo")
        XCTAssertEqual(try check(report, "jenkins.job_parameters").found,
                       "\(SandboxHarness.jobPath) takes REPO_URL, BRANCH_NAME, COMMAND, GITHUB_CREDENTIALS_ID")
        XCTAssertEqual(try check(report, "cache.directory").found, "created \(cacheDir) (mode 0700), writable")
        XCTAssertEqual(try check(report, "github.failure_labels").found, "all 3 failure labels exist in acme/demo")
        XCTAssertEqual(report.checks(repo: "demo").count, 8)

        // The cache directory is there as a run would make it, and the probe is gone.
        XCTAssertEqual(CacheDirectoryInspection.permissions(of: cacheDir), 0o700)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: cacheDir), [])

        // Every request was a read: GETs, and the GraphQL query (a POST that changes nothing).
        let requests = await h.server.requests()
        XCTAssertEqual(requests.filter { $0.method != "GET" && $0.path != "/graphql" }.map(\.path), [])
        XCTAssertEqual(
            Set(requests.map(\.path)),
            ["/user", "/rate_limit", "/repos/acme/demo", "/repos/acme/demo/labels", "/graphql", "/jenkins/api/json",
             "/jenkins/job/Coordinator/job/demo/job/executor/api/json"])
        let builds = await h.server.builds()
        XCTAssertEqual(builds.count, 0)
    }

    func testLabelsOnASecondPageAreFound() async throws {
        // 120 other labels first: the required ones are on page 2 of 100.
        let h = try await start(labels: (1...120).map { "other-\($0)" } + Self.requiredLabels)
        let report = await doctor(h, try config(h))
        let labels = try check(report, "github.labels")
        XCTAssertEqual(labels.status, .ok, "\(labels)")
        let pages = await h.requests(containing: "/repos/acme/demo/labels")
        XCTAssertEqual(pages.map(\.query), ["per_page=100", "per_page=100&page=2"])
    }

    // MARK: Labels

    func testAMissingLabelFailsWithTheCommandThatCreatesIt() async throws {
        let h = try await start(labels: (Self.requiredLabels + Self.failureLabels).filter { $0 != "status-06:implementing" })
        let report = await doctor(h, try config(h))

        let labels = try check(report, "github.labels")
        XCTAssertEqual(labels.status, .failed)
        XCTAssertEqual(labels.repo, "demo")
        XCTAssertEqual(labels.found, "label status-06:implementing missing in acme/demo")
        XCTAssertEqual(
            labels.fix,
            "create it (gh label create status-06:implementing --repo acme/demo --color bfdbfe --description 'A bot is implementing') or set labels_file")
        XCTAssertEqual(labels.details, ["status-06:implementing"])
        XCTAssertFalse(report.allGood)
        XCTAssertEqual(report.checks.filter { $0.status != .ok }.map(\.id), ["github.labels"], "only the labels fail")
    }

    func testAMissingFailureLabelIsAWarningWithTheCommandThatCreatesIt() async throws {
        XCTAssertEqual(Self.failureLabels, ["status-09f:pr-creating-failed", "status-06f:implementing-failed", "status-03f:planning-failed"])
        let h = try await start(labels: Self.requiredLabels + ["status-03f:planning-failed", "Status-09F:PR-Creating-Failed"])
        let report = await doctor(h, try config(h))

        let failure = try check(report, "github.failure_labels")
        XCTAssertEqual(failure.status, .warning)
        XCTAssertEqual(failure.repo, "demo")
        XCTAssertEqual(
            failure.found,
            "label status-06f:implementing-failed missing in acme/demo; label status-09f:pr-creating-failed is spelt Status-09F:PR-Creating-Failed in acme/demo; coordinator unstick --to failure would write a label the repository does not define")
        XCTAssertEqual(
            failure.fix,
            "create it (gh label create status-06f:implementing-failed --repo acme/demo --color b60205 --description 'Implementing failed, needs a human') or set labels_file; rename it (gh label edit Status-09F:PR-Creating-Failed --name status-09f:pr-creating-failed --repo acme/demo)")
        XCTAssertEqual(failure.details, ["status-06f:implementing-failed", "status-09f:pr-creating-failed"])
        XCTAssertEqual(try check(report, "github.labels").status, .ok)
        XCTAssertTrue(report.allGood, "a warning does not fail doctor")
        XCTAssertEqual(report.checks.filter { $0.status != .ok }.map(\.id), ["github.failure_labels"])
    }

    func testWithoutFailureLabelsInTheLabelSetTheFailureCheckSaysUnstickIsRefused() throws {
        var rules = WorkflowRules()
        rules.mapping.routes = rules.mapping.routes.map { var route = $0; route.failureLabel = nil; return route }
        let repo = RepoConfig(
            name: "demo", repoURLText: "https://github.com/acme/demo.git", repo: try XCTUnwrap(RepoURL(parsing: "https://github.com/acme/demo.git")),
            executorJobPath: "Coordinator/demo/executor", githubCredentialsID: "github-pat")
        let check = RequiredLabels.checkFailureLabels(existing: [], rules: rules, repo: repo)
        XCTAssertEqual(check.status, .ok)
        XCTAssertEqual(check.found, "no workflow has a failure label (coordinator unstick --to failure is refused)")
    }

    func testALabelSpeltDifferentlyFailsWithTheRename() async throws {
        let labels = Self.requiredLabels.map { $0 == "status-09:pr-creating" ? "Status-09:PR-Creating" : $0 }
        let h = try await start(labels: labels)
        let check = try check(await doctor(h, try config(h)), "github.labels")
        XCTAssertEqual(check.status, .failed)
        XCTAssertEqual(check.found, "label status-09:pr-creating is spelt Status-09:PR-Creating in acme/demo")
        XCTAssertEqual(check.fix, "rename it (gh label edit Status-09:PR-Creating --name status-09:pr-creating --repo acme/demo)")
    }

    func testShellQuotingOfLabelNames() {
        XCTAssertEqual(RequiredLabels.shellQuoted("status-02:awaiting-planning"), "status-02:awaiting-planning")
        XCTAssertEqual(RequiredLabels.shellQuoted("🚀 launch"), "'🚀 launch'")
        XCTAssertEqual(RequiredLabels.shellQuoted("it's; rm -rf /"), #"'it'\''s; rm -rf /'"#)
        XCTAssertEqual(RequiredLabels.shellQuoted(""), "''")
    }

    // MARK: Jenkins

    func testAJobWithoutAParameterFailsNamingIt() async throws {
        let h = try await start(parameters: ["REPO_URL", "BRANCH_NAME", "GITHUB_CREDENTIALS_ID"])
        let report = await doctor(h, try config(h))
        let parameters = try check(report, "jenkins.job_parameters")
        XCTAssertEqual(parameters.status, .failed)
        XCTAssertEqual(parameters.details, ["COMMAND"])
        XCTAssertEqual(
            parameters.found, "\(SandboxHarness.jobPath) lacks the parameter COMMAND (it has REPO_URL, BRANCH_NAME, GITHUB_CREDENTIALS_ID)")
        XCTAssertEqual(parameters.fix, "add it as string parameter in the job's configuration (This project is parameterized)")
        XCTAssertEqual(try check(report, "jenkins.job").status, .ok)
        XCTAssertFalse(report.allGood)
    }

    func testAJobWithoutParametersAtAll() async throws {
        let h = try await start(parameters: [])
        let parameters = try check(await doctor(h, try config(h)), "jenkins.job_parameters")
        XCTAssertEqual(parameters.status, .failed)
        XCTAssertEqual(parameters.details, Scenario.Job.executorParameters)
        XCTAssertTrue(parameters.found.hasSuffix("(it has none)"), parameters.found)
    }

    func testAnUnknownJobAndAFolderFail() async throws {
        let h = try await start()
        let missing = await doctor(h, try config(h, jobPath: "Coordinator/demo/nope"))
        XCTAssertEqual(try check(missing, "jenkins.job").status, .failed)
        XCTAssertTrue(try check(missing, "jenkins.job").fix?.contains("executor_job_path in [coordinator.repos.demo]") == true)
        XCTAssertEqual(try check(missing, "jenkins.job_parameters").status, .skipped)

        let folder = await doctor(h, try config(h, jobPath: "Coordinator/demo"))
        XCTAssertEqual(try check(folder, "jenkins.job").found, "Coordinator/demo is a folder, not a job")
        XCTAssertEqual(try check(folder, "jenkins.job_parameters").status, .skipped)
    }

    func testJenkinsDownFailsOnceAndSkipsTheJobChecks() async throws {
        let h = try await start()
        let port = try closedLoopbackPort()
        let deadURL = "http://127.0.0.1:\(port)/jenkins"
        let report = await doctor(h, try config(h, jenkinsURL: deadURL))

        let connection = try check(report, "jenkins.connection")
        XCTAssertEqual(connection.status, .failed)
        XCTAssertTrue(connection.found.hasPrefix("Jenkins could not be reached at \(deadURL)/api/json"), connection.found)
        // NIO's own wording was `connection reset (error set): Connection refused (errno: 111)`.
        XCTAssertTrue(connection.found.contains("cannot connect to 127.0.0.1:\(port): connection refused"), connection.found)
        for noise in ["errno", "error set", "Connection refused"] {
            XCTAssertFalse(connection.found.contains(noise), connection.found)
        }
        XCTAssertEqual(connection.fix, "check [jenkins] server_url (or JENKINS_URL) and that Jenkins is up, and [jenkins] ca_file for a private CA")
        // The job checks say Jenkins was not reached, not that it refused the credentials.
        for id in ["jenkins.job", "jenkins.job_parameters"] {
            XCTAssertEqual(try check(report, id).status, .skipped, id)
            XCTAssertEqual(try check(report, id).found, "skipped: Jenkins could not be reached at \(deadURL)", id)
        }
        XCTAssertEqual(report.checks.filter { $0.status == .failed }.map(\.id), ["jenkins.connection"], "one failure, no cascade")
        XCTAssertEqual(try check(report, "github.labels").status, .ok, "GitHub is checked all the same")
    }

    func testWrongJenkinsCredentialsFail() async throws {
        let h = try await start()
        var config = try config(h)
        config.jenkins.apiToken = Secret("not-the-jenkins-token-77")
        let report = await doctor(h, config)
        let connection = try check(report, "jenkins.connection")
        XCTAssertEqual(connection.status, .failed)
        XCTAssertTrue(connection.found.contains("refused the credentials of user \(SandboxHarness.jenkinsUser) (401)"), connection.found)
        XCTAssertTrue(connection.fix?.contains("JENKINS_TOKEN") == true)
        XCTAssertEqual(try check(report, "jenkins.job").found, "skipped: Jenkins does not answer these credentials")
    }

    // MARK: GitHub

    func testABadTokenFailsOnceAndSkipsWhatNeedsIt() async throws {
        let h = try await start()
        let wrong = "ghp_doctorWrongToken_5e5e5e"
        let report = await doctor(h, try config(h, token: wrong))

        let token = try check(report, "github.token")
        XCTAssertEqual(token.status, .failed)
        XCTAssertTrue(token.found.hasPrefix("GitHub refused the token (401 Bad credentials)"), token.found)
        XCTAssertTrue(token.fix?.contains("GITHUB_TOKEN") == true)
        for id in ["github.rate_limit", "github.repository", "github.scopes", "github.labels", "github.linked_branches"] {
            XCTAssertEqual(try check(report, id).status, .skipped, id)
        }
        XCTAssertEqual(try check(report, "github.labels").found, "skipped: the GitHub token does not work")
        XCTAssertEqual(report.checks.filter { $0.status == .failed }.map(\.id), ["github.token"])
        XCTAssertEqual(try check(report, "jenkins.job_parameters").status, .ok, "Jenkins is checked all the same")
        let document = String(decoding: try JSONEncoder().encode(report), as: UTF8.self)
        XCTAssertFalse(document.contains(wrong), "the token appears in the report")
        XCTAssertFalse(document.contains(SandboxHarness.jenkinsAPIToken))
    }

    func testAFineGrainedTokenCannotBeJudged() async throws {
        let h = try await start(fineGrained: true)
        let report = await doctor(h, try config(h))
        XCTAssertEqual(try check(report, "github.token").found, "token works (user coordinator-bot, fine-grained token, scopes not shown)")
        let scopes = try check(report, "github.scopes")
        XCTAssertEqual(scopes.status, .unknown)
        XCTAssertEqual(scopes.found, "cannot tell (fine-grained token) whether it may read issues and write labels in acme/demo")
        XCTAssertEqual(scopes.fix, "make sure the token has Issues: read and write on acme/demo")
        XCTAssertTrue(report.allGood, "cannot tell is no failure")
    }

    func testAClassicTokenWithoutScopesFails() async throws {
        let h = try await start(scopes: [])
        let scopes = try check(await doctor(h, try config(h)), "github.scopes")
        XCTAssertEqual(scopes.status, .failed)
        XCTAssertEqual(
            scopes.found, "the token lacks the repo or public_repo scope needed to write labels in acme/demo (public; it has: none)")
    }

    func testPublicRepoScopeIsEnoughForAPublicRepository() async throws {
        let h = try await start(scopes: ["public_repo", "read:org"])
        let report = await doctor(h, try config(h))
        XCTAssertEqual(try check(report, "github.token").found, "token works (user coordinator-bot, scopes: public_repo, read:org)")
        XCTAssertEqual(try check(report, "github.scopes").status, .ok)
    }

    func testScopeRule() {
        XCTAssertEqual(TokenScopeRule.verdict(scopes: ["repo"], isPrivate: true), .allowed(scope: "repo"))
        XCTAssertEqual(TokenScopeRule.verdict(scopes: ["public_repo"], isPrivate: true), .missing(needed: "repo"))
        XCTAssertEqual(TokenScopeRule.verdict(scopes: ["public_repo"], isPrivate: false), .allowed(scope: "public_repo"))
        XCTAssertEqual(TokenScopeRule.verdict(scopes: [], isPrivate: false), .missing(needed: "repo or public_repo"))
        XCTAssertEqual(TokenScopeRule.verdict(scopes: nil, isPrivate: true), .cannotTell)
        XCTAssertEqual(GitHubTokenIdentity.scopes(fromHeader: "repo, read:org"), ["repo", "read:org"])
        XCTAssertEqual(GitHubTokenIdentity.scopes(fromHeader: ""), [])
        XCTAssertNil(GitHubTokenIdentity.scopes(fromHeader: nil))
    }

    func testASpentRateLimitIsReportedWithItsReset() async throws {
        let h = try await start(hourlyQuota: 0)
        let report = await doctor(h, try config(h))
        XCTAssertEqual(try check(report, "github.token").status, .unknown)
        let limit = try check(report, "github.rate_limit")
        XCTAssertEqual(limit.status, .failed)
        XCTAssertTrue(limit.found.hasPrefix("rate limit spent: 0 of 0 requests left"), limit.found)
        XCTAssertTrue(limit.fix?.hasPrefix("wait until ") == true, "\(limit)")
        XCTAssertEqual(try check(report, "github.labels").found, "skipped: GitHub's rate limit is spent")
    }

    func testAnUnknownRepositoryFailsAndSkipsItsLabels() async throws {
        let h = try await start()
        let report = await doctor(h, try config(h, repoURL: "https://github.com/acme/nothere.git"))
        let repository = try check(report, "github.repository")
        XCTAssertEqual(repository.status, .failed)
        XCTAssertEqual(repository.found, "acme/nothere not found on GitHub")
        XCTAssertTrue(repository.fix?.contains("repo_url in [coordinator.repos.demo]") == true)
        for id in ["github.scopes", "github.labels", "github.linked_branches"] {
            XCTAssertEqual(try check(report, id).found, "skipped: the repository could not be read", id)
        }
    }

    func testAFailingGraphQLQueryFails() async throws {
        let h = try await start()
        await h.server.injectFault(.status(502, method: "POST", path: "/graphql", count: 5))
        let branches = try check(await doctor(h, try config(h)), "github.linked_branches")
        XCTAssertEqual(branches.status, .failed)
        XCTAssertTrue(branches.found.contains("502"), branches.found)
    }

    // MARK: Cache directory

    func testAnUnwritableCacheDirectoryFails() async throws {
        let h = try await start()
        let unwritable: String
        if geteuid() != 0 {
            unwritable = cacheDir
            try FileManager.default.createDirectory(atPath: unwritable, withIntermediateDirectories: true)
            XCTAssertEqual(chmod(unwritable, 0o500), 0)
        } else if let readOnly = ["/sys", "/proc/sys"].first(where: { !Self.canCreateFile(in: $0) }) {
            // Permission bits do not stop root; a read-only file system does.
            unwritable = readOnly
        } else {
            throw XCTSkip("running as root with no read-only directory to point the cache at")
        }
        let report = await doctor(h, try config(h, cacheDir: unwritable))
        let directory = try check(report, "cache.directory")
        XCTAssertEqual(directory.status, .failed)
        XCTAssertTrue(directory.found.hasPrefix("cannot write in cache dir \(unwritable): "), directory.found)
        XCTAssertTrue(directory.fix?.contains("cache_dir") == true)
        XCTAssertEqual(try check(report, "cache.mode").status, .skipped)
        XCTAssertEqual(try check(report, "cache.files").found, "skipped: the cache directory is not usable")
        XCTAssertFalse(report.allGood)
    }

    /// Found out here, not with the code under test, so a broken probe cannot pick its own test.
    private static func canCreateFile(in directory: String) -> Bool {
        let path = (directory as NSString).appendingPathComponent(".doctor-test-\(UUID().uuidString)")
        guard FileManager.default.createFile(atPath: path, contents: Data()) else { return false }
        try? FileManager.default.removeItem(atPath: path)
        return true
    }

    func testACacheDirectoryThatIsAFileFails() async throws {
        let h = try await start()
        let file = cacheDir + ".txt"
        try Data("not a directory".utf8).write(to: URL(fileURLWithPath: file))
        let directory = try check(await doctor(h, try config(h, cacheDir: file)), "cache.directory")
        XCTAssertEqual(directory.status, .failed)
        XCTAssertEqual(directory.found, "cache dir \(file) exists and is not a directory")
    }

    func testLooseModesAreWarningsWithTheChmod() async throws {
        let h = try await start()
        try FileManager.default.createDirectory(atPath: cacheDir, withIntermediateDirectories: true)
        XCTAssertEqual(chmod(cacheDir, 0o755), 0)
        let store = IssueCacheStore(directory: cacheDir, repo: try XCTUnwrap(RepoURL(parsing: "https://github.com/acme/demo.git")))
        try Data("{}".utf8).write(to: store.fileURL)
        XCTAssertEqual(chmod(store.fileURL.path, 0o644), 0)
        try Data().write(to: store.ledgerURL)
        XCTAssertEqual(chmod(store.ledgerURL.path, 0o600), 0)

        let report = await doctor(h, try config(h))
        let mode = try check(report, "cache.mode")
        XCTAssertEqual(mode.status, .warning)
        XCTAssertEqual(mode.fix, "chmod 700 \(cacheDir)")
        let files = try check(report, "cache.files")
        XCTAssertEqual(files.status, .warning)
        XCTAssertEqual(files.found, "expected mode 0600: github_com_acme_demo.issues.json (0644)")
        XCTAssertEqual(files.fix, "chmod 600 \(store.fileURL.path)")
        XCTAssertTrue(report.allGood, "loose modes are warnings")

        XCTAssertEqual(chmod(cacheDir, 0o700), 0)
        XCTAssertEqual(chmod(store.fileURL.path, 0o600), 0)
        let fixed = await doctor(h, try config(h))
        XCTAssertEqual(try check(fixed, "cache.files").found, "2 cache files, mode 0600")
        XCTAssertEqual(try check(fixed, "cache.mode").status, .ok)
    }

    // MARK: A database store

    /// The config with `[store] postgres_url` (nothing listens there: the checks are injected).
    private func databaseConfig(_ h: SandboxHarness) throws -> CoordinatorConfig {
        var config = try config(h)
        config.store = StoreSettings(backend: .postgres(PostgresStoreSettings(
            url: try PostgresURL(parsing: "postgres://coordinator:pg-secret-9@127.0.0.1:1/coordinator?sslmode=disable"))))
        return config
    }

    func testADatabaseStoreIsCheckedWhereTheCacheDirectoryWouldBeAndItsLockWithEachRepository() async throws {
        let h = try await start()
        let injected = [
            DoctorCheck(id: "store.connection", status: .ok, found: "reachable"),
            DoctorCheck(id: "store.schema", status: .warning, found: "schema at 0", fix: "migrate"),
            DoctorCheck(id: "store.lock", repo: "demo", status: .ok, found: "lock free"),
        ]
        let report = await Doctor(
            config: try databaseConfig(h), githubHTTP: h.http, jenkinsHTTP: h.http, retryPolicy: SandboxHarness.fastRetries,
            requestTimeout: .seconds(5), logger: SandboxHarness.logger, storeChecks: { injected }
        ).run()

        XCTAssertEqual(report.checks.map(\.id), [
            "github.token", "github.rate_limit", "jenkins.connection", "store.connection", "store.schema",
            "github.repository", "github.scopes", "github.labels", "github.failure_labels", "github.linked_branches",
            "jenkins.job", "jenkins.job_parameters", "store.lock",
        ])
        XCTAssertEqual(report.checks.filter { $0.id.hasPrefix("store.") }, injected)
        XCTAssertTrue(report.allGood, "a warning is no failure")
        // The cache directory holds no state then: doctor neither checks nor creates it.
        XCTAssertFalse(FileManager.default.fileExists(atPath: cacheDir))
    }

    func testADatabaseStoreWithoutItsChecksIsSaidNotCheckedNeverTakenForTheFiles() async throws {
        let h = try await start()
        let report = await doctor(h, try databaseConfig(h))
        XCTAssertEqual(report.checks.filter { $0.id.hasPrefix("cache.") }, [])
        let store = try check(report, "store.connection")
        XCTAssertEqual(store.status, .unknown)
        XCTAssertEqual(
            store.found,
            "the PostgreSQL store postgres://coordinator:***@127.0.0.1:1/coordinator?sslmode=disable was not checked (this doctor has no database checks)")
    }

    // MARK: The document

    func testTheJSONDocumentHasOneShape() async throws {
        let h = try await start(labels: [])
        // The document's shape is the report's own encoding (its keys are spelt out); `--json` only
        // pretty-prints it.
        let data = try JSONEncoder().encode(await doctor(h, try config(h)))
        let object = try XCTUnwrap(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        XCTAssertEqual(Set(object.keys), ["config", "ok", "counts", "checks"])
        XCTAssertEqual(object["ok"] as? Bool, false)
        XCTAssertEqual(object["config"] as? String, "/etc/doctor-test.toml")
        XCTAssertEqual((object["counts"] as? [String: Int])?["failed"], 1)
        let checks = try XCTUnwrap(object["checks"] as? [[String: Any]])
        for check in checks {
            XCTAssertEqual(Set(check.keys), ["id", "repo", "subject", "status", "found", "fix", "details"], "\(check)")
        }
        XCTAssertTrue(checks[0]["repo"] is NSNull, "a check of the whole config has repo null")
        let labels = try XCTUnwrap(checks.first { $0["id"] as? String == "github.labels" })
        XCTAssertEqual(labels["details"] as? [String], Self.requiredLabels)
        XCTAssertEqual(labels["subject"] as? String, "demo")
    }
}
