import Coordinator
import Foundation
import Hummingbird
import Logging

/// The headless commands' reports, from `serve`: each answer is the document the command prints
/// with `--json` when run on `serve`'s machine, made by the same core code, so `coordinator
/// history --server`, `stuck --server` and `run --dry-run --server` read it back and print what
/// they print locally. Any operator may ask (role `read`); nothing is written.
///
/// - `GET /api/history?repo=NAME&issue=N&since=DATE`: `history --json` (`[HistoryEntry]`, newest
///   first; `repo` repeatable, none: every repository); the log and its archive.
/// - `GET /api/repos/{name}/busy`: `stuck --json`'s entry for the repository (`StuckReport`),
///   from the survey `serve` makes after each poll, with its `last_poll`; `503` (`no_survey`)
///   before the first.
/// - `GET /api/repos/{name}/plan?keep_going=true&force_refresh=true`: `run --dry-run --json
///   --repo NAME` (`RunReportDocument`), planned from `serve`'s cache (refreshed in memory as the
///   dry run refreshes, never written), with GitHub's linked branches.
struct OperatorReports: Sendable {
    let repositories: any ServedRepositories

    /// Adds the three routes to `api` (behind `OperatorAuthentication`).
    static func addReports(to api: RouterGroup<ServiceRequestContext>, repositories: any ServedRepositories) {
        let reports = OperatorReports(repositories: repositories)
        api.get("history") { request, context -> Response in
            _ = try context.requireCaller(.read)
            let query = request.uri.queryParameters
            var filter = HistoryFilter()
            if let text = query.get("issue") {
                guard let number = OperatorReads.issueNumber(text) else {
                    throw APIError.badRequest("issue must be an issue number, a whole number above zero")
                }
                filter.issue = number
            }
            if let text = query.get("since") {
                guard let since = HistoryEntry.since(text) else {
                    throw APIError.badRequest("since must be a date (2026-12-01) or a UTC time (2026-12-01T10:00:00Z)")
                }
                filter.since = since
            }
            let names = query.getAll("repo")
            return APIJSON.response(try await reports.history(repos: names.isEmpty ? nil : names, filter: filter, logger: context.logger))
        }
        api.get("repos/{name}/busy") { _, context -> Response in
            _ = try context.requireCaller(.read)
            return APIJSON.response(try reports.busy(repo: context.parameters.get("name") ?? ""))
        }
        api.get("repos/{name}/plan") { request, context -> Response in
            _ = try context.requireCaller(.read)
            let query = request.uri.queryParameters
            let options = RunOptions(
                forceRefresh: try flag(query.get("force_refresh"), "force_refresh"), dryRun: true,
                keepGoing: try flag(query.get("keep_going"), "keep_going"))
            return APIJSON.response(try await reports.plan(repo: context.parameters.get("name") ?? "", options: options))
        }
    }

    /// `history --json`: the audit trail of `repos` (nil: all), newest first, through `filter`.
    /// Lines of the history that could not be used are logged here (the command prints them as
    /// warnings; the answer is the list alone).
    func history(repos names: [String]?, filter: HistoryFilter, logger: Logger) async throws -> [HistoryEntry] {
        let served = repositories.servedRepositories().map(\.service)
        var chosen = served
        if let names {
            for name in names where !served.contains(where: { $0.repo.name == name }) {
                throw OperatorReads.noRepository(name, among: repositories)
            }
            chosen = served.filter { names.contains($0.repo.name) }
        }
        let audit = await RepoService.historyAudit(chosen, filter: filter)
        for notice in audit.notices { logger.warning("history: \(notice)") }
        return audit.entries
    }

    /// `stuck --json`'s entry: the busy issues as the last poll's survey found them, the times as
    /// of now.
    func busy(repo name: String) throws -> StuckReport {
        let served = try repository(named: name)
        guard let survey = served.busySurvey else {
            let why = served.lastError.map { "; the last poll failed: \($0)" } ?? "; it follows the first poll, which has not ended"
            throw APIError(
                status: .serviceUnavailable, code: "no_survey",
                message: "serve has not surveyed the busy issues of \(served.service.repo.name) yet\(why)")
        }
        return StuckReport(name: served.service.repo.name, survey: survey, now: Date(), lastPoll: served.lastPoll)
    }

    /// `run --dry-run --json --repo NAME`: the run's agenda planned, nothing sent or written.
    func plan(repo name: String, options: RunOptions) async throws -> RunReportDocument {
        let service = try repository(named: name).service
        // The actor is for the history of a real run; a dry run records nothing.
        let report = await CoordinatorRun(services: [service], actor: "").run(options)
        return RunReportDocument(report, dryRun: true, mapping: service.rules.mapping)
    }

    private func repository(named name: String) throws -> ServedRepository {
        guard let served = repositories.servedRepositories().first(where: { $0.service.repo.name == name }) else {
            throw OperatorReads.noRepository(name, among: repositories)
        }
        return served
    }

    /// A query flag: absent or `false` is off, `true` on; anything else is a `400`.
    private static func flag(_ text: String?, _ name: String) throws -> Bool {
        switch text {
        case nil, "false": return false
        case "true": return true
        default: throw APIError.badRequest("\(name) must be true or false")
        }
    }
}
