/// The cache compared with live GitHub data, per issue (SPEC §5.2). Comparing never writes.
public struct CacheDiff: Sendable, Equatable {
    public enum Kind: Sendable, Equatable {
        case inSync
        case labelsDiffer(onlyCached: [String], onlyLive: [String])
        case stateDiffers(cached: IssueState, live: IssueState)
        /// Same state and labels, another title: harmless, but the cache still shows the old one.
        case titleDiffers(cached: String, live: String)
        /// Closed or deleted since the cache was written (absent from an open-issues listing).
        case onlyInCache
        /// New since the cache was written.
        case onlyLive
    }

    public struct Entry: Sendable, Equatable {
        public var number: Int
        public var cached: Issue?
        public var live: Issue?
        public var kind: Kind

        public init(number: Int, cached: Issue?, live: Issue?, kind: Kind) {
            self.number = number
            self.cached = cached
            self.live = live
            self.kind = kind
        }

        public var isStale: Bool { kind != .inSync }
        public var title: String { live?.title ?? cached?.title ?? "" }

        /// What this entry would make a run inside the reuse window do wrong; nil when in sync.
        public func consequence(under rules: WorkflowRules) -> StaleConsequence? {
            isStale ? StaleConsequence(cached: cached, live: live, rules: rules) : nil
        }
    }

    /// A stale entry with its consequence.
    public struct RankedEntry: Sendable, Equatable {
        public var entry: Entry
        public var consequence: StaleConsequence

        public init(entry: Entry, consequence: StaleConsequence) {
            self.entry = entry
            self.consequence = consequence
        }

        /// Most harmful first, then by issue number.
        public static func precedes(_ a: RankedEntry, _ b: RankedEntry) -> Bool {
            (a.consequence, a.entry.number) < (b.consequence, b.entry.number)
        }
    }

    /// Every issue of either side, by number.
    public var entries: [Entry]

    public var stale: [Entry] { entries.filter(\.isStale) }
    public var isInSync: Bool { stale.isEmpty }

    public func entry(number: Int) -> Entry? { entries.first { $0.number == number } }

    /// The stale entries ranked by what they would cause: would dispatch again, then would miss,
    /// then harmless; within each, by issue number.
    public func ranked(by rules: WorkflowRules) -> [RankedEntry] {
        stale.map { RankedEntry(entry: $0, consequence: StaleConsequence(cached: $0.cached, live: $0.live, rules: rules)) }
            .sorted(by: RankedEntry.precedes)
    }

    /// Compares `cached` with `live`. When `live` holds only open issues (a full listing), a cached
    /// open issue missing from it is `onlyInCache`; a cached closed issue missing from it is in sync.
    public init(cached: [Issue], live: [Issue]) {
        let cachedByNumber = Dictionary(cached.map { ($0.number, $0) }, uniquingKeysWith: { _, last in last })
        let liveByNumber = Dictionary(live.map { ($0.number, $0) }, uniquingKeysWith: { _, last in last })
        let numbers = Set(cachedByNumber.keys).union(liveByNumber.keys).sorted()
        entries = numbers.compactMap { number in
            let c = cachedByNumber[number]
            let l = liveByNumber[number]
            switch (c, l) {
            case let (c?, l?):
                return Entry(number: number, cached: c, live: l, kind: Self.compare(c, l))
            case let (c?, nil):
                if c.state == .closed { return nil }
                return Entry(number: number, cached: c, live: nil, kind: .onlyInCache)
            case let (nil, l?):
                if l.state == .closed { return nil }
                return Entry(number: number, cached: nil, live: l, kind: .onlyLive)
            case (nil, nil):
                return nil
            }
        }
    }

    /// State first, then labels, then the title: the first difference that names the entry.
    static func compare(_ cached: Issue, _ live: Issue) -> Kind {
        if cached.state != live.state { return .stateDiffers(cached: cached.state, live: live.state) }
        let onlyCached = cached.labels.filter { !live.labels.contains($0) }
        let onlyLive = live.labels.filter { !cached.labels.contains($0) }
        if !onlyCached.isEmpty || !onlyLive.isEmpty { return .labelsDiffer(onlyCached: onlyCached, onlyLive: onlyLive) }
        if cached.title != live.title { return .titleDiffers(cached: cached.title, live: live.title) }
        return .inSync
    }
}
