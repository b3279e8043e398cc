import ArgumentParser
import Coordinator
import Foundation

/// `coordinator diff`: the cache compared with live GitHub. Never writes the cache.
struct DiffCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "diff",
        abstract: "Compare the cache with live GitHub (exit 0 in sync, 3 stale, 1 error). Writes nothing.",
        discussion: """
            Per repository, the stale entries most harmful first: "would dispatch again" (the cache \
            says eligible, live does not), "would miss" (live eligible, the cache not), "harmless"; \
            then by issue number.
            """)

    @OptionGroup var global: GlobalOptions

    @OptionGroup var selection: RepoSelection

    @OptionGroup var report: ReportOptions

    struct RepoDiff: Encodable {
        struct Entry: Encodable {
            var number: Int
            var title: String
            /// `would_dispatch_again`, `would_miss` or `harmless`.
            var consequence: String
            var kind: String
            var onlyCached: [String]?
            var onlyLive: [String]?
            var cachedState: String?
            var liveState: String?
            var cachedTitle: String?
            var liveTitle: String?
        }
        var name: String
        var inSync: Bool
        var stale: [Entry]
    }

    func run() async throws {
        let diffs = try await global.withWorkspace { workspace in
            var diffs: [RepoDiff] = []
            for service in try workspace.services(named: selection.names) {
                let diff = try await service.diff()
                let ranked = diff.ranked(by: service.rules)
                diffs.append(RepoDiff(name: service.repo.name, inSync: diff.isInSync, stale: ranked.map(Self.entry)))
            }
            return diffs
        }
        if report.json {
            print(try JSONText.encode(diffs))
        } else {
            for diff in diffs {
                print("\(diff.name): \(diff.inSync ? "in sync" : "\(diff.stale.count) stale")")
                for entry in diff.stale { print("  " + Self.line(entry)) }
            }
        }
        if diffs.contains(where: { !$0.inSync }) { throw ExitCode(3) }
    }

    static func entry(_ ranked: CacheDiff.RankedEntry) -> RepoDiff.Entry {
        let e = ranked.entry
        var out = RepoDiff.Entry(number: e.number, title: e.title, consequence: ranked.consequence.code, kind: "in sync")
        switch e.kind {
        case .inSync: break
        case let .labelsDiffer(onlyCached, onlyLive):
            out.kind = "labels differ"
            out.onlyCached = onlyCached
            out.onlyLive = onlyLive
        case let .stateDiffers(cached, live):
            out.kind = "state differs"
            out.cachedState = cached.rawValue
            out.liveState = live.rawValue
        case let .titleDiffers(cached, live):
            out.kind = "title differs"
            out.cachedTitle = cached
            out.liveTitle = live
        case .onlyInCache: out.kind = "only in cache"
        case .onlyLive: out.kind = "only live"
        }
        return out
    }

    /// `would miss            #8 labels differ −cached: … +live: …  Title`: the consequence first,
    /// padded so the issue numbers line up.
    static func line(_ e: RepoDiff.Entry) -> String {
        let consequence = StaleConsequence.allCases.first { $0.code == e.consequence }?.description ?? e.consequence
        let width = StaleConsequence.allCases.map(\.description.count).max() ?? 0
        var text = consequence.padding(toLength: width, withPad: " ", startingAt: 0) + "  #\(e.number) \(e.kind)"
        if let cached = e.onlyCached, !cached.isEmpty { text += " −cached: \(cached.joined(separator: ", "))" }
        if let live = e.onlyLive, !live.isEmpty { text += " +live: \(live.joined(separator: ", "))" }
        if let c = e.cachedState, let l = e.liveState { text += " (\(c) → \(l))" }
        if let c = e.cachedTitle, e.liveTitle != nil { text += " (cached title: \(c))" }
        return text + "  \(e.title)"
    }
}
