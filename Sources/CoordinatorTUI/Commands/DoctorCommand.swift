import ArgumentParser
import Coordinator
import CoordinatorPostgres
import Foundation

/// `coordinator doctor`: the first command a newcomer runs. Loads the config (errors as every
/// command reports them), then checks GitHub, Jenkins, the cache directory (or, with `[store]
/// postgres_url`, the database: reachable, its schema, who holds each repository's lock) and each
/// repository, one line per check with a fix for each failure.
struct DoctorCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "doctor",
        abstract: "Check the config against GitHub, Jenkins and the cache directory or PostgreSQL store, with a fix for each problem (exit 0 all good, 1 otherwise).")

    @OptionGroup var global: GlobalOptions

    @Flag(name: .long, help: "Print JSON.")
    var json = false

    func run() async throws {
        let config = try global.loadConfig()
        // The same clients a run gets, so each service is checked with the CAs it is configured to trust.
        let http = HTTPClientFactory.makeHTTPClients(github: config.github.trust, jenkins: config.jenkins.trust)
        let logger = global.makeLogger()
        // The database's checks read only: doctor never migrates nor locks.
        var storeChecks: Doctor.StoreChecks?
        if let settings = config.store.postgres {
            let repos = config.repos
            storeChecks = { await PostgresDoctor.checks(settings, repos: repos, logger: logger) }
        }
        let report = await Doctor(
            config: config, githubHTTP: http.github, jenkinsHTTP: http.jenkins, logger: logger, storeChecks: storeChecks
        ).run()
        await http.shutdown()
        if json {
            print(try JSONText.encode(report))
        } else {
            let style = DoctorText.Style(unicode: DoctorText.localeIsUTF8())
            for check in report.checks { print(DoctorText.line(check, style: style)) }
            print(DoctorText.summary(report))
        }
        if !report.allGood { throw ExitCode(1) }
    }
}

/// How doctor's checks read on a terminal.
enum DoctorText {
    /// Unicode marks with a UTF-8 locale, bracketed ASCII words otherwise, decided as the console
    /// decides its glyphs (`CursesScreen`): the locale's codeset.
    struct Style {
        var unicode: Bool

        func mark(_ status: DoctorCheck.Status) -> String {
            switch (status, unicode) {
            case (.ok, true): return "✓"
            case (.failed, true): return "✗"
            case (.warning, true): return "!"
            case (.unknown, true): return "?"
            case (.skipped, true): return "-"
            case (.ok, false): return "[ok]  "
            case (.failed, false): return "[FAIL]"
            case (.warning, false): return "[warn]"
            case (.unknown, false): return "[??]  "
            case (.skipped, false): return "[skip]"
            }
        }

        var fixSeparator: String { unicode ? " — fix: " : " - fix: " }
    }

    /// `✓ github: token works (user bot, scopes: repo)`,
    /// `✗ demo: label … missing in acme/demo — fix: create it (…) or set labels_file`.
    static func line(_ check: DoctorCheck, style: Style) -> String {
        var text = "\(style.mark(check.status)) \(check.subject): \(check.found)"
        if let fix = check.fix, check.status != .ok { text += style.fixSeparator + fix }
        return text
    }

    /// `all good (14 checks)`, or the counts of what is not.
    static func summary(_ report: DoctorReport) -> String {
        if report.allGood, report.checks.allSatisfy({ $0.status == .ok }) {
            return "all good (\(report.checks.count) checks)"
        }
        let names: [(DoctorCheck.Status, String)] = [
            (.failed, "failed"), (.warning, "warnings"), (.unknown, "cannot tell"), (.skipped, "skipped"), (.ok, "ok"),
        ]
        let parts = names.compactMap { status, name in
            let count = report.counts[status.rawValue] ?? 0
            return count > 0 ? "\(count) \(name)" : nil
        }
        return (report.allGood ? "no failures: " : "problems found: ") + parts.joined(separator: ", ")
    }

    /// Whether the locale (`LC_ALL`, `LC_CTYPE`, `LANG`) is UTF-8.
    static func localeIsUTF8() -> Bool {
        setlocale(LC_CTYPE, "")
        let codeset = String(cString: nl_langinfo(nl_item(CODESET)))
        return codeset.uppercased().replacingOccurrences(of: "-", with: "") == "UTF8"
    }
}
