import Coordinator
import Foundation

/// Runs the reducer's backend effects on background tasks and posts each result back into the
/// inbox as an action. `redraw` and `quit` belong to the terminal loop and are ignored here.
public final class EffectRunner: Sendable {
    private let backend: any ConsoleBackend
    private let inbox: Inbox
    private let clock: @Sendable () -> Date
    /// Starts a browser on a URL; answers why it could not (nil: started).
    private let opener: @Sendable (String) async -> String?

    public init(
        backend: any ConsoleBackend, inbox: Inbox, clock: @escaping @Sendable () -> Date = Date.init,
        opener: @escaping @Sendable (String) async -> String? = { _ in "no browser configured" }
    ) {
        self.backend = backend
        self.inbox = inbox
        self.clock = clock
        self.opener = opener
    }

    /// Starts `effect`; the returned task finishes when its result has been posted (tests await it).
    @discardableResult
    public func run(_ effect: ConsoleEffect) -> Task<Void, Never>? {
        let backend = self.backend
        let inbox = self.inbox
        let clock = self.clock
        switch effect {
        case .redraw, .quit:
            return nil
        case let .loadCache(repo):
            return Task.detached {
                inbox.post(.cacheLoaded(repo: repo, await Self.capture { try await backend.readCache(repo: repo) }))
            }
        case let .fetchLive(repo):
            return Task.detached {
                let requested = clock()
                let result = await Self.capture { try await backend.fetchLive(repo: repo) }
                inbox.post(.liveLoaded(repo: repo, result, at: clock(), requestedAt: requested))
            }
        case let .preview(repo, issues):
            return Task.detached {
                let result = await Self.capture { try await backend.previews(repo: repo, issues: issues) }
                for issue in issues {
                    let one: Result<PlanOutcome, ConsoleFailure> = result.flatMap { plans in
                        plans[issue.number] ?? .failure(ConsoleFailure("no plan for #\(issue.number)"))
                    }
                    inbox.post(.previewLoaded(repo: repo, issue: issue.number, one))
                }
            }
        case let .dispatch(repo, issues):
            // One after another: the core takes the repo lock per dispatch anyway, and the footer
            // reports each as it finishes.
            return Task.detached {
                for number in issues {
                    let report = await backend.dispatch(repo: repo, issueNumber: number) { holder in
                        inbox.post(.lockWaiting(repo: repo, holder: holder))
                    }
                    inbox.post(.dispatchFinished(repo: repo, report.outcome, change: report.change, at: clock()))
                }
            }
        case let .sync(repo):
            return Task.detached {
                let result = await Self.capture {
                    try await backend.sync(repo: repo) { holder in inbox.post(.lockWaiting(repo: repo, holder: holder)) }
                }
                inbox.post(.syncFinished(repo: repo, result, at: clock()))
            }
        case let .surveyBusy(repo, issues):
            return Task.detached {
                let busy = await backend.surveyBusy(repo: repo, issues: issues, now: clock())
                inbox.post(.busySurveyed(repo: repo, busy, at: clock()))
            }
        case let .unstick(repo, issues, target):
            // One after another, as dispatches: each takes the repo lock, and the footer reports each.
            return Task.detached {
                for issue in issues {
                    let result = await Self.capture {
                        try await backend.unstick(repo: repo, issueNumber: issue, to: target) { holder in
                            inbox.post(.lockWaiting(repo: repo, holder: holder))
                        }
                    }
                    inbox.post(.unstickFinished(repo: repo, issue: issue, result, at: clock()))
                }
            }
        case .fetchRateLimit:
            return Task.detached {
                inbox.post(.rateLimitLoaded(await backend.rateLimit()))
            }
        case .loadHistory:
            return Task.detached {
                let result = await Self.capture { try await backend.history() }
                inbox.post(.historyLoaded(result, at: clock()))
            }
        case let .locateLog(view, repo, issue, dispatchID):
            return Task.detached {
                let result = await Self.capture { try await backend.locateLog(repo: repo, issue: issue, dispatchID: dispatchID) }
                inbox.post(.logLocated(view: view, result))
            }
        case let .readLog(read):
            return Task.detached {
                let result = await Self.capture {
                    try await backend.readLog(repo: read.repo, build: read.build, start: read.start, limit: read.limit)
                }
                inbox.post(.logRead(read, result))
            }
        case let .openURL(url):
            let opener = self.opener
            return Task.detached {
                inbox.post(.urlOpened(url, failure: await opener(url)))
            }
        }
    }

    private static func capture<T: Sendable>(_ body: () async throws -> T) async -> Result<T, ConsoleFailure> {
        do {
            return .success(try await body())
        } catch let failure as ConsoleFailure {
            return .failure(failure)
        } catch {
            return .failure(ConsoleFailure(describing: error))
        }
    }
}
