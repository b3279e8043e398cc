import Foundation

/// `GET /repos/{owner}/{repo}/issues`: query validation, filtering, ordering and pagination
/// with a `Link` header, following GitHub's documented semantics.
struct IssueListing {
    enum Sort: String { case created, updated, comments }

    var state = "open"
    var since: Date?
    var labels: [String] = []
    var sort = Sort.created
    var ascending = false
    var perPage = 30
    var page = 1

    /// Parses the query; a `422` response when a parameter has a value GitHub would reject.
    static func parse(_ request: IncomingRequest) -> Result<IssueListing, ResponseError> {
        var listing = paging(request)
        for (name, value) in request.queryPairs {
            switch name {
            case "state":
                guard ["open", "closed", "all"].contains(value) else { return .failure(.invalid("state")) }
                listing.state = value
            case "since":
                guard let date = Timestamp.parse(value) else { return .failure(.invalid("since")) }
                listing.since = date
            case "labels":
                listing.labels = value.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
            case "sort":
                guard let sort = Sort(rawValue: value) else { return .failure(.invalid("sort")) }
                listing.sort = sort
            case "direction":
                guard value == "asc" || value == "desc" else { return .failure(.invalid("direction")) }
                listing.ascending = value == "asc"
            default:
                break
            }
        }
        return .success(listing)
    }

    /// Only `per_page` and `page`, for the listings that take nothing else (labels, events).
    /// GitHub silently caps `per_page` at 100 and falls back to 30 (and page 1) for nonsense.
    static func paging(_ request: IncomingRequest) -> IssueListing {
        var listing = IssueListing()
        for (name, value) in request.queryPairs {
            switch name {
            case "per_page": if let n = Int(value), n > 0 { listing.perPage = min(n, 100) }
            case "page": if let n = Int(value), n > 0 { listing.page = n }
            default: break
            }
        }
        return listing
    }

    struct ResponseError: Error {
        let response: OutgoingResponse
        static func invalid(_ field: String) -> ResponseError {
            ResponseError(response: GitHubError.validationFailed(resource: "Issue", field: field))
        }
    }

    func select(from issues: some Collection<SandboxIssue>) -> [SandboxIssue] {
        let wanted = Set(labels.map { $0.lowercased() })
        let matching = issues.filter { issue in
            (state == "all" || issue.state == state)
                && (since.map { issue.updatedAt >= Timestamp.wholeSeconds($0) } ?? true)
                && wanted.isSubset(of: Set(issue.labels.map { $0.lowercased() }))
        }
        return matching.sorted { a, b in
            let key: (SandboxIssue) -> Double = switch sort {
            case .created: { $0.createdAt.timeIntervalSince1970 }
            case .updated: { $0.updatedAt.timeIntervalSince1970 }
            case .comments: { Double($0.comments) }
            }
            let (ka, kb) = (key(a), key(b))
            // Ties fall back to the number so pages never overlap or skip items.
            if ka != kb { return ascending ? ka < kb : ka > kb }
            return ascending ? a.number < b.number : a.number > b.number
        }
    }

    func lastPage(total: Int) -> Int { max(1, (total + perPage - 1) / perPage) }

    func page<Item>(of items: [Item]) -> ArraySlice<Item> {
        // `page` is the client's number: `?page=9223372036854775807` is past the end, not a crash.
        let (start, overflow) = (page - 1).multipliedReportingOverflow(by: perPage)
        guard !overflow, start < items.count else { return [] }
        return items[start..<min(items.count, start + perPage)]
    }

    /// `Link` with absolute URLs that keep every other query parameter as the client sent it.
    func linkHeader(total: Int, request: IncomingRequest) -> String? {
        let last = lastPage(total: total)
        var links: [(Int, String)] = []
        if page < last {
            links.append((page + 1, "next"))
            links.append((last, "last"))
        }
        if page > 1 {
            links.append((1, "first"))
            links.append((min(page - 1, last), "prev"))
        }
        guard !links.isEmpty else { return nil }
        return links.map { "<\(url(forPage: $0.0, request: request))>; rel=\"\($0.1)\"" }.joined(separator: ", ")
    }

    /// The `endless_pages` fault's `Link`: a next page after every page, never a last one.
    func endlessLinkHeader(request: IncomingRequest) -> String {
        let (next, overflow) = page.addingReportingOverflow(1)
        return "<\(url(forPage: overflow ? page : next, request: request))>; rel=\"next\""
    }

    private func url(forPage page: Int, request: IncomingRequest) -> String {
        var parts = request.query.split(separator: "&", omittingEmptySubsequences: true).map(String.init)
        if let index = parts.firstIndex(where: { $0.hasPrefix("page=") }) {
            parts[index] = "page=\(page)"
        } else {
            parts.append("page=\(page)")
        }
        return "\(request.origin)\(request.path)?\(parts.joined(separator: "&"))"
    }
}
