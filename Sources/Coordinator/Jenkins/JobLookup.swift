import Foundation

/// Finding the job of a dispatch whose start was never confirmed (SPEC §6, the lost answer):
/// which queue items and builds Jenkins lists are that dispatch's job. Pure, so the matching rules
/// (parameters, job, time on Jenkins' clock, exclusions) are tested without a server.
enum JobLookup {
    /// How far before the intent (converted to Jenkins' clock) an item may be dated and still
    /// count: the `Date` header that gives the clock skew has whole seconds, and the request takes
    /// time. An older item belongs to an earlier dispatch.
    static let clockTolerance: TimeInterval = 2

    /// `GET /queue/api/json?tree=…`
    static let queueTree = "items[id,inQueueSince,cancelled,task[url],actions[parameters[name,value]]]"
    /// `GET …/job/A/job/B/api/json?tree=…`: the job's newest 50 builds.
    static let buildsTree = "builds[number,url,timestamp,queueId,actions[parameters[name,value]]]{0,50}"

    /// The first of `candidates` (oldest first) that is the query's job, `nil` when none is.
    ///
    /// - Parameters:
    ///   - skew: Jenkins' clock minus ours (from its `Date` header), added to `query.notBefore`.
    static func match(_ candidates: [Candidate], query: JobQuery, skew: TimeInterval) -> Candidate? {
        let wanted = Dictionary(query.parameters.map { ($0.name, $0.value) }, uniquingKeysWith: { _, last in last })
        let earliest = query.notBefore.timeIntervalSince1970 + skew - clockTolerance
        return candidates
            .filter { candidate in
                guard candidate.jobPath == nil || candidate.jobPath == normalizedJobPath(query.jobPath) else { return false }
                if let id = candidate.queueID, query.excludedQueueIDs.contains(id) { return false }
                if let url = candidate.buildURL, query.excludedBuildURLs.contains(url) { return false }
                guard let created = candidate.createdAt, created >= earliest else { return false }
                // Jenkins lists every parameter the job defines; ours must all be there, exactly.
                return wanted.allSatisfy { candidate.parameters[$0.key] == $0.value }
            }
            .min { ($0.createdAt ?? 0) < ($1.createdAt ?? 0) }
    }

    /// A queue item or build as Jenkins listed it.
    struct Candidate: Equatable {
        var place: JobSighting.Place
        /// "A/B", decoded from the task URL; nil when Jenkins did not say (builds of the job asked).
        var jobPath: String?
        var queueID: Int?
        var buildNumber: Int?
        var buildURL: String?
        /// Seconds since 1970 on Jenkins' clock: when the item entered the queue or the build began.
        var createdAt: TimeInterval?
        var parameters: [String: String]

        var sighting: JobSighting {
            JobSighting(place: place, queueID: queueID, buildNumber: buildNumber, buildURL: buildURL)
        }
    }

    static func normalizedJobPath(_ jobPath: String) -> String {
        jobPath.split(separator: "/", omittingEmptySubsequences: true).joined(separator: "/")
    }

    /// "A/B" from `…/job/A/job/B/`, segments percent-decoded; nil if the URL names no job.
    static func jobPath(fromURL url: String) -> String? {
        let path = URLComponents(string: url)?.percentEncodedPath ?? url
        let parts = path.split(separator: "/", omittingEmptySubsequences: true).map(String.init)
        var names: [String] = []
        var index = parts.firstIndex(of: "job")
        while let at = index, at + 1 < parts.count, parts[at] == "job" {
            names.append(parts[at + 1].removingPercentEncoding ?? parts[at + 1])
            index = at + 2 < parts.count ? at + 2 : nil
        }
        return names.isEmpty ? nil : names.joined(separator: "/")
    }

    // MARK: Payloads

    struct QueuePayload: Decodable {
        var items: [Item]?

        struct Item: Decodable {
            var id: Int?
            var inQueueSince: Double?
            var cancelled: Bool?
            var task: Task?
            var actions: [Action?]?
        }

        struct Task: Decodable {
            var url: String?
        }

        func candidates() -> [Candidate] {
            (items ?? []).compactMap { item in
                guard item.cancelled != true else { return nil }
                return Candidate(
                    place: .queue, jobPath: item.task?.url.flatMap(JobLookup.jobPath(fromURL:)), queueID: item.id,
                    createdAt: item.inQueueSince.map { $0 / 1000 }, parameters: Action.parameters(item.actions))
            }
        }
    }

    struct BuildsPayload: Decodable {
        var builds: [Build?]?

        struct Build: Decodable {
            var number: Int?
            var url: String?
            var timestamp: Double?
            var queueId: Int?
            var actions: [Action?]?
        }

        func candidates() -> [Candidate] {
            (builds ?? []).compactMap { build in
                guard let build else { return nil }
                return Candidate(
                    place: .builds, jobPath: nil, queueID: build.queueId, buildNumber: build.number, buildURL: build.url,
                    createdAt: build.timestamp.map { $0 / 1000 }, parameters: Action.parameters(build.actions))
            }
        }
    }

    /// One entry of `actions`; only a `ParametersAction` has `parameters`. Jenkins puts `{}` for
    /// actions the tree filtered out.
    struct Action: Decodable {
        var parameters: [Parameter]?

        static func parameters(_ actions: [Action?]?) -> [String: String] {
            var map: [String: String] = [:]
            for parameter in (actions ?? []).compactMap({ $0?.parameters }).joined() {
                if let name = parameter.name, let value = parameter.value { map[name] = value }
            }
            return map
        }
    }

    /// A parameter value: a string for string and text parameters, a boolean or number for others.
    struct Parameter: Decodable {
        var name: String?
        var value: String?

        enum CodingKeys: String, CodingKey { case name, value }

        init(from decoder: Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            name = try? c.decodeIfPresent(String.self, forKey: .name)
            if let text = try? c.decodeIfPresent(String.self, forKey: .value) {
                value = text
            } else if let flag = try? c.decodeIfPresent(Bool.self, forKey: .value) {
                value = flag ? "true" : "false"
            } else {
                value = nil
            }
        }
    }
}
