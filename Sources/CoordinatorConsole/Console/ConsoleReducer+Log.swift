import Coordinator
import Foundation

/// The build log view (`l`): opening it, its reads, its keys, and following on the clock.
extension ConsoleState {
    /// `l`: the log of the selected history entry's build, else of the selected issue's newest
    /// dispatch.
    mutating func openLog() -> [ConsoleEffect] {
        let target: (repo: String, issue: Int, dispatchID: String?)
        if let list = history {
            guard let entry = list.selected else {
                report(.notice, "no history entry selected")
                return []
            }
            target = (entry.repo, entry.issue, entry.dispatchID)
        } else {
            guard let repo = currentRepo, let row = repo.selectedRow else {
                report(.notice, "no issue selected")
                return []
            }
            target = (repo.name, row.number, nil)
        }
        let view = LogView(id: nextTaskID, repo: target.repo, issue: target.issue, dispatchID: target.dispatchID, now: now)
        nextTaskID += 1
        log = view
        return locateLog()
    }

    private mutating func locateLog() -> [ConsoleEffect] {
        guard var view = log, !view.busy else { return [] }
        view.busy = true
        view.lastAsked = now
        log = view
        return [.locateLog(view: view.id, repo: view.repo, issue: view.issue, dispatchID: view.dispatchID)]
    }

    /// Reads from `start` (nil: the tail) in `direction`, unless a read is already on its way; a
    /// read that replaces the window (`g`, `G`, `r`) goes anyway, and the answer of the one on its
    /// way no longer fits the window's offsets, so it is dropped.
    private mutating func readLog(start: Int?, direction: LogRead.Direction) -> [ConsoleEffect] {
        guard var view = log, let build = view.build, !view.busy || direction == .replace else { return [] }
        var limit = view.chunkBytes
        var from = start
        if direction == .backward {
            guard view.windowStart > 0 else { return [] }
            let begin = max(0, view.windowStart - view.chunkBytes)
            limit = view.windowStart - begin
            from = begin
        }
        view.busy = true
        view.lastAsked = now
        log = view
        return [.readLog(LogRead(view: view.id, repo: view.repo, build: build, start: from, limit: limit, direction: direction))]
    }

    mutating func logLocated(view id: Int, _ result: Result<LogLocation, ConsoleFailure>) -> [ConsoleEffect] {
        guard var view = log, view.id == id else { return [] }
        view.busy = false
        switch result {
        case let .success(.build(build)):
            view.build = build
            view.phase = .reading
            log = view
            return readLog(start: nil, direction: .replace)
        case let .success(.queued(why)):
            view.phase = .queued(why: why)
        case let .success(.unavailable(reason)):
            view.phase = .unavailable(reason)
        case let .failure(failure):
            view.phase = .unavailable(failure.message)
            report(.failure, "log of #\(view.issue): \(failure.message)")
        }
        log = view
        return []
    }

    mutating func logRead(_ read: LogRead, _ result: Result<BuildLogBytes?, ConsoleFailure>) -> [ConsoleEffect] {
        guard var view = log, view.id == read.view else { return [] }
        view.busy = false
        switch result {
        case let .success(chunk?):
            view.absorb(chunk, direction: read.direction, height: LogView.height(for: size))
            view.phase = .shown
        case .success(nil):
            view.phase = .unavailable("Jenkins has no build #\(read.build.number) of \(read.build.jobPath)")
        case let .failure(failure):
            // A followed log keeps what it shows and asks again on the next poll.
            if view.lines.isEmpty { view.phase = .unavailable(failure.message) }
            report(.failure, "log of #\(view.issue): \(failure.message)")
            view.follow = false
        }
        log = view
        return []
    }

    /// On the clock: a followed log is read again, a queued build asked about again.
    mutating func pollLog() -> [ConsoleEffect] {
        guard let view = log, !view.busy, now.timeIntervalSince(view.lastAsked) >= LogView.pollSeconds else { return [] }
        switch view.phase {
        case .queued:
            return locateLog()
        case .shown where view.follow && view.more:
            return readLog(start: view.nextStart, direction: .forward)
        default:
            return []
        }
    }

    /// Keys while the log view is open; nil lets the key through to the key map's usual meaning
    /// (help, quit, redraw).
    mutating func handleLogKey(_ key: Key, keyMap: KeyMap) -> [ConsoleEffect]? {
        guard var view = log else { return nil }
        let height = LogView.height(for: size)
        if view.isEditingSearch {
            switch key {
            case let .char(c): view.search.append(c)
            case .backspace: if !view.search.isEmpty { view.search.removeLast() }
            case .enter:
                view.isEditingSearch = false
                log = view
                return findInLog(backwards: false, from: view.top - 1)
            case .escape:
                view.isEditingSearch = false
                view.search = ""
            default: break
            }
            log = view
            return []
        }
        guard let intent = keyMap.intent(for: key) else { return [] }
        switch intent {
        case .moveDown: return scrollLog(by: 1)
        case .moveUp: return scrollLog(by: -1)
        case .pageDown: return scrollLog(by: height - 1)
        case .pageUp: return scrollLog(by: -(height - 1))
        case .moveTop:
            view.follow = false
            view.top = 0
            log = view
            return view.atLogStart ? [] : readLog(start: 0, direction: .replace)
        case .moveBottom:
            // The end, pinned there: a running build is followed again.
            view.follow = true
            view.top = view.bottom(height: height)
            log = view
            return view.more ? readLog(start: nil, direction: .replace) : []
        case .paneLeft:
            view.column = max(0, view.column - LogView.sideStep)
        case .paneRight:
            view.column += LogView.sideStep
        case .toggleFollow:
            view.follow.toggle()
            if view.follow {
                view.top = view.bottom(height: height)
                view.lastAsked = .distantPast
            }
            report(.notice, view.follow ? "following the log" : "stopped following the log")
        case .startFilter:
            view.isEditingSearch = true
            view.search = ""
        case .nextMatch:
            log = view
            return findInLog(backwards: false, from: view.top)
        case .previousMatch:
            log = view
            return findInLog(backwards: true, from: view.top)
        case .refreshRepo, .refreshAll:
            view.follow = true
            log = view
            return view.build == nil ? locateLog() : readLog(start: nil, direction: .replace)
        case .openLink:
            log = view
            return openBuildLink()
        case .dismissMessage, .openLog:
            if intent == .dismissMessage, result?.kind == .failure {
                result = nil
                return []
            }
            log = nil
            return []
        case .showHelp, .redraw, .quit:
            return nil
        default:
            report(.notice, "the log view only reads: Esc goes back")
        }
        log = view
        return []
    }

    /// Moves the log by `delta` lines. Moving up stops following; going past the window's start
    /// or end reads the next piece of the log.
    mutating func scrollLog(by delta: Int) -> [ConsoleEffect] {
        guard var view = log else { return [] }
        let height = LogView.height(for: size)
        let wanted = view.top + delta
        if delta < 0 { view.follow = false }
        view.top = min(max(wanted, 0), view.bottom(height: height))
        log = view
        if wanted < 0, !view.atLogStart { return readLog(start: nil, direction: .backward) }
        if wanted > view.bottom(height: height), view.more, !view.follow { return readLog(start: view.nextStart, direction: .forward) }
        return []
    }

    private mutating func findInLog(backwards: Bool, from: Int) -> [ConsoleEffect] {
        guard var view = log, !view.search.isEmpty else { return [] }
        guard let index = view.match(from: from, backwards: backwards) else {
            report(.notice, view.atLogStart
                ? "“\(view.search)” is not in the log"
                : "“\(view.search)” is not in the part of the log read (g reads from the start)")
            return []
        }
        view.follow = false
        view.top = min(index, view.bottom(height: LogView.height(for: size)))
        view.matched = index
        log = view
        return []
    }

    private mutating func openBuildLink() -> [ConsoleEffect] {
        guard let view = log, let url = view.build?.url, !url.isEmpty else {
            report(.notice, "no build URL known")
            return []
        }
        guard canOpenLinks else {
            report(.notice, "build of #\(view.issue): \(url)")
            return []
        }
        report(.success, "opening the build of #\(view.issue): \(url)")
        return [.openURL(url)]
    }
}
