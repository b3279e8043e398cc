import XCTest
@testable import Coordinator

final class ConfigLoaderTests: XCTestCase {
    let valid = """
        [github]
        token = "ghp_secret_value"

        [jenkins]
        server_url = "https://jenkins.example.com/"
        username = "bot"
        api_token = "jenkins_secret_value"

        [coordinator]
        cache_refresh_minutes = 30
        cache_dir = "/tmp/coordinator-cache"

        [coordinator.repos.zeta]
        repo_url = "https://github.com/acme/zeta.git"
        executor_job_path = "/Folder/Sub/Job/"
        github_credentials_id = "github-pat"
        executor_os = "Windows"

        [coordinator.repos.alpha]
        repo_url = "git@ghe.example.com:acme/alpha.tool.git"
        executor_job_path = "Alpha"
        github_credentials_id = "pat"
        main_branch = "develop"
        """

    func testValidConfigParsesWithDefaults() throws {
        let config = try ConfigLoader.parse(valid, path: "/etc/c.toml")
        XCTAssertEqual(config.github.token.reveal(), "ghp_secret_value")
        XCTAssertEqual(config.jenkins.serverURL, "https://jenkins.example.com")
        XCTAssertEqual(config.settings.cacheRefreshMinutes, 30)
        XCTAssertEqual(config.settings.duplicateWindowSeconds, 60)
        XCTAssertEqual(config.settings.writeSpacingMilliseconds, 1000)
        XCTAssertEqual(config.settings.cacheDirectory, "/tmp/coordinator-cache")
        let zeta = config.repos[0]
        XCTAssertEqual(zeta.executorOS, .windows)
        XCTAssertEqual(zeta.executorJobPath, "Folder/Sub/Job")
        XCTAssertEqual(zeta.mainBranch, "main")
        XCTAssertEqual(config.repos[1].repo, RepoURL(host: "ghe.example.com", owner: "acme", name: "alpha.tool"))
        XCTAssertEqual(config.repos[1].mainBranch, "develop")
    }

    func testReposKeepFileOrder() throws {
        let config = try ConfigLoader.parse(valid, path: "c.toml")
        XCTAssertEqual(config.repos.map(\.name), ["zeta", "alpha"])
    }

    func testEnvironmentOverridesWin() throws {
        let config = try ConfigLoader.parse(valid, path: "c.toml", environment: [
            "GITHUB_TOKEN": "env_token", "JENKINS_URL": "http://j:8080", "JENKINS_USER": "u", "JENKINS_TOKEN": "t", "IGNORED": "x",
        ])
        XCTAssertEqual(config.github.token.reveal(), "env_token")
        XCTAssertEqual(config.jenkins.serverURL, "http://j:8080")
        XCTAssertEqual(config.jenkins.username, "u")
        XCTAssertEqual(config.jenkins.apiToken.reveal(), "t")
    }

    func testEmptyEnvironmentValueDoesNotOverride() throws {
        let config = try ConfigLoader.parse(valid, path: "c.toml", environment: ["GITHUB_TOKEN": ""])
        XCTAssertEqual(config.github.token.reveal(), "ghp_secret_value")
    }

    func testMissingFieldsAreReportedTogetherWithFileAndSection() {
        let text = """
            [github]
            [jenkins]
            server_url = "x"
            [coordinator.repos.a]
            repo_url = "https://github.com/acme/a"
            [coordinator.repos.b]
            executor_job_path = "J"
            """
        XCTAssertThrowsError(try ConfigLoader.parse(text, path: "/home/me/config.toml")) { error in
            let message = "\(error)"
            XCTAssertTrue(message.contains("/home/me/config.toml"), message)
            XCTAssertTrue(message.contains("[github] is missing token"), message)
            XCTAssertTrue(message.contains("[jenkins] is missing username (or JENKINS_USER), api_token (or JENKINS_TOKEN)"), message)
            XCTAssertTrue(message.contains("[coordinator.repos.a] is missing executor_job_path, github_credentials_id"), message)
            XCTAssertTrue(message.contains("[coordinator.repos.b] is missing repo_url, github_credentials_id"), message)
        }
    }

    func testBadTOMLNamesFileLineAndColumn() {
        let text = "[github]\ntoken = \"x\"\n[jenkins\nserver_url = 1\n"
        XCTAssertThrowsError(try ConfigLoader.parse(text, path: "/x/config.toml")) { error in
            guard case let ConfigError.invalidTOML(path, line, column, _) = error else { return XCTFail("\(error)") }
            XCTAssertEqual(path, "/x/config.toml")
            XCTAssertEqual(line, 3)
            XCTAssertGreaterThan(column, 0)
            XCTAssertTrue("\(error)".contains("line 3, column"), "\(error)")
        }
    }

    func testWrongTypeIsNamed() {
        let text = valid.replacingOccurrences(of: "cache_refresh_minutes = 30", with: "cache_refresh_minutes = \"soon\"")
        XCTAssertThrowsError(try ConfigLoader.parse(text, path: "c.toml")) { error in
            XCTAssertEqual(
                "\(error)", "Config c.toml: [coordinator] cache_refresh_minutes: must be a whole number of minutes from 1 to 525600 (one year)")
        }
    }

    func testNonPositiveRefreshIntervalIsRejected() {
        let text = valid.replacingOccurrences(of: "cache_refresh_minutes = 30", with: "cache_refresh_minutes = 0")
        XCTAssertThrowsError(try ConfigLoader.parse(text, path: "c.toml"))
    }

    func testNumbersThatOverflowOrMeanNothingNameFileSectionAndKey() {
        let cases: [(key: String, value: String, reason: String)] = [
            ("cache_refresh_minutes", "9223372036854775807", "must be a whole number of minutes from 1 to 525600 (one year)"),
            ("cache_refresh_minutes", "525601", "must be a whole number of minutes from 1 to 525600 (one year)"),
            ("cache_refresh_minutes", "-1", "must be a whole number of minutes from 1 to 525600 (one year)"),
            ("cache_refresh_minutes", "1.5", "must be a whole number of minutes from 1 to 525600 (one year)"),
            ("duplicate_window_seconds", "9223372036854775807", "must be a whole number of seconds from 0 to 31536000 (one year)"),
            ("duplicate_window_seconds", "-9223372036854775808", "must be a whole number of seconds from 0 to 31536000 (one year)"),
            ("write_spacing_ms", "9223372036854775807", "must be a whole number of milliseconds from 0 to 3600000 (one hour)"),
            ("write_spacing_ms", "3600001", "must be a whole number of milliseconds from 0 to 3600000 (one hour)"),
            ("write_spacing_ms", "-1", "must be a whole number of milliseconds from 0 to 3600000 (one hour)"),
            ("console_refresh_seconds", "9223372036854775807", "must be a whole number of seconds from 0 to 31536000 (one year)"),
            ("console_refresh_seconds", "inf", "must be a whole number of seconds from 0 to 31536000 (one year)"),
            ("stuck_grace_minutes", "10081", "must be a whole number of minutes from 0 to 10080 (one week)"),
            ("stuck_grace_minutes", "-1", "must be a whole number of minutes from 0 to 10080 (one week)"),
        ]
        for (key, value, reason) in cases {
            let text = valid.replacingOccurrences(of: "cache_refresh_minutes = 30", with: "\(key) = \(value)")
            XCTAssertThrowsError(try ConfigLoader.parse(text, path: "/etc/c.toml"), "\(key) = \(value)") { error in
                XCTAssertEqual(error as? ConfigError, .invalidValue(path: "/etc/c.toml", section: "coordinator", field: key, reason: reason))
                XCTAssertEqual("\(error)", "Config /etc/c.toml: [coordinator] \(key): \(reason)")
            }
        }
    }

    func testNumbersTOMLCannotHoldAreConfigErrorsToo() {
        for value in ["99999999999999999999", "-99999999999999999999", "0x7FFFFFFFFFFFFFFF", "1e400", "nan", "1979-05-27"] {
            let text = valid.replacingOccurrences(of: "cache_refresh_minutes = 30", with: "cache_refresh_minutes = \(value)")
            XCTAssertThrowsError(try ConfigLoader.parse(text, path: "/etc/c.toml"), value) { error in
                XCTAssertTrue(error is ConfigError, "\(error)")
                XCTAssertTrue("\(error)".contains("/etc/c.toml"), "\(error)")
            }
        }
    }

    func testNumbersAtTheirBoundsAreAccepted() throws {
        let text = valid.replacingOccurrences(
            of: "cache_refresh_minutes = 30",
            with: "cache_refresh_minutes = 525600\nduplicate_window_seconds = 31536000\nwrite_spacing_ms = 3600000\nconsole_refresh_seconds = 31536000\nstuck_grace_minutes = 10080")
        let settings = try ConfigLoader.parse(text, path: "c.toml").settings
        XCTAssertEqual(settings.cacheRefreshMinutes, 525_600)
        XCTAssertEqual(settings.duplicateWindowSeconds, 31_536_000)
        XCTAssertEqual(settings.writeSpacingMilliseconds, 3_600_000)
        XCTAssertEqual(settings.consoleRefreshSeconds, 31_536_000)
        XCTAssertEqual(settings.stuckGraceMinutes, 10_080)
        XCTAssertEqual(CoordinatorSettings(cacheDirectory: "/tmp").stuckGraceMinutes, 10, "ten minutes unless configured")
        XCTAssertEqual(RefreshPolicy(settings: settings).fullRefreshInterval, 525_600 * 60)
        let zeroes = valid.replacingOccurrences(
            of: "cache_refresh_minutes = 30",
            with: "cache_refresh_minutes = 1\nduplicate_window_seconds = 0\nwrite_spacing_ms = 0\nconsole_refresh_seconds = 0")
        XCTAssertEqual(try ConfigLoader.parse(zeroes, path: "c.toml").settings.cacheRefreshMinutes, 1)
    }

    func testRefreshPolicyOfSettingsBuiltInCodeDoesNotOverflow() {
        var settings = CoordinatorSettings(cacheDirectory: "/tmp")
        settings.cacheRefreshMinutes = .max
        XCTAssertEqual(RefreshPolicy(settings: settings).fullRefreshInterval, Double(Int.max) * 60)
    }

    func testTokenWithALineBreakIsRejectedWithoutQuotingIt() {
        let text = valid.replacingOccurrences(of: #"token = "ghp_secret_value""#, with: #"token = "ghp_secret_value\r\nX-Injected: 1""#)
        XCTAssertThrowsError(try ConfigLoader.parse(text, path: "c.toml")) { error in
            XCTAssertEqual(
                "\(error)",
                "Config c.toml: [github] token: it contains a line break or another control character; a token is one line of printable characters")
        }
        XCTAssertThrowsError(try ConfigLoader.parse(valid, path: "c.toml", environment: ["GITHUB_TOKEN": "ghp_env\n"])) { error in
            XCTAssertTrue("\(error)".contains("[github] token (from GITHUB_TOKEN): it contains a line break"), "\(error)")
            XCTAssertFalse("\(error)".contains("ghp_"), "\(error)")
        }
    }

    func testRepoURLHostWithASlashOrSpaceIsRejected() {
        for url in ["git@ghe/../x:acme/zeta.git", "git@ghe example:acme/zeta.git", "https://gh e.com/acme/zeta"] {
            let text = valid.replacingOccurrences(of: "https://github.com/acme/zeta.git", with: url)
            XCTAssertThrowsError(try ConfigLoader.parse(text, path: "c.toml"), url) { error in
                XCTAssertTrue("\(error)".contains("[coordinator.repos.zeta] repo_url"), "\(error)")
            }
        }
        XCTAssertEqual(RepoURL(parsing: "https://ghe.example.com:8443/acme/zeta")?.host, "ghe.example.com:8443")
    }

    func testUnknownExecutorOSIsRejected() {
        let text = valid.replacingOccurrences(of: "\"Windows\"", with: "\"solaris\"")
        XCTAssertThrowsError(try ConfigLoader.parse(text, path: "c.toml")) { error in
            XCTAssertTrue("\(error)".contains("executor_os"), "\(error)")
        }
    }

    func testBadRepoURLIsRejectedAtLoad() {
        let text = valid.replacingOccurrences(of: "https://github.com/acme/zeta.git", with: "github.com/zeta")
        XCTAssertThrowsError(try ConfigLoader.parse(text, path: "c.toml")) { error in
            XCTAssertTrue("\(error)".contains("[coordinator.repos.zeta] repo_url"), "\(error)")
        }
    }

    func testMissingFileGetsATemplateAndAnError() throws {
        let dir = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("sub/config.toml").path
        XCTAssertThrowsError(try ConfigLoader.load(path: path)) { error in
            XCTAssertEqual(error as? ConfigError, .templateWritten(path: path))
            XCTAssertTrue("\(error)".contains(path))
        }
        let written = try String(contentsOfFile: path, encoding: .utf8)
        XCTAssertEqual(written, ConfigLoader.template)
        // The template itself is valid TOML; it only lacks the values the user must fill in.
        XCTAssertThrowsError(try ConfigLoader.parse(written, path: path)) { error in
            guard case ConfigError.missingFields = error else { return XCTFail("\(error)") }
        }
    }

    func testConfigPathResolution() {
        XCTAssertEqual(ConfigLoader.resolvePath(explicit: "/a.toml", environment: ["COORDINATOR_CONFIG": "/b.toml"]), "/a.toml")
        XCTAssertEqual(ConfigLoader.resolvePath(explicit: nil, environment: ["COORDINATOR_CONFIG": "/b.toml"]), "/b.toml")
        XCTAssertEqual(ConfigLoader.resolvePath(explicit: nil, environment: ["HOME": "/home/op"]), "/home/op/.mcp_coder/config.toml")
    }

    func testSecretsNeverAppearInDescriptions() throws {
        let config = try ConfigLoader.parse(valid, path: "c.toml")
        let dump = "\(config)"
        XCTAssertFalse(dump.contains("ghp_secret_value"))
        XCTAssertFalse(dump.contains("jenkins_secret_value"))
        XCTAssertTrue(dump.contains("<redacted>"))
    }

    func testLabelsFileMismatchIsAStartUpError() throws {
        let dir = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let labels = dir.appendingPathComponent("labels.json")
        try Data("""
            {"workflow_labels": [
              {"internal_id": "a", "name": "status-08:ready-pr", "color": "fff", "description": "", "category": "human_action"}
            ], "ignore_labels": []}
            """.utf8).write(to: labels)
        let text = valid.replacingOccurrences(of: "cache_refresh_minutes = 30", with: "labels_file = \"\(labels.path)\"")
        XCTAssertThrowsError(try ConfigLoader.parse(text, path: "c.toml")) { error in
            let message = "\(error)"
            XCTAssertTrue(message.contains("'status-08:ready-pr' has category human_action"), message)
            XCTAssertTrue(message.contains("'status-03:planning'"), message)
        }
    }

    func testCommandTemplateOverrideKeysAreChecked() {
        let bad = valid + "\n[coordinator.command_templates]\n\"deploy.linux\" = \"x\"\n"
        XCTAssertThrowsError(try ConfigLoader.parse(bad, path: "c.toml"))
        let good = valid + "\n[coordinator.command_templates]\n\"implement.linux\" = \"run {issue} on {branch}\"\n"
        XCTAssertEqual(try ConfigLoader.parse(good, path: "c.toml").settings.commandTemplates["implement.linux"], "run {issue} on {branch}")
    }
}
