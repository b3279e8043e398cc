/// How far one paginated GitHub read goes before it is not believed: a `Link: rel="next"` chain
/// that keeps naming new pages (each one valid, the page numbers rising forever) would otherwise
/// keep a refresh going until someone kills it, and a listing past these sizes is a broken or
/// hostile server, not a repository. Whichever bound is reached first ends the read with an error
/// that names the repository and the bound; a refresh that fails so writes nothing.
public struct ListingBound: Sendable, Equatable {
    /// The most pages one read follows.
    public var pages: Int
    /// The most items (issues, pull requests included, or events) one read takes.
    public var items: Int

    /// 1 000 pages or 100 000 issues: a repository with 100 000 open issues at 100 a page fits.
    public static let standard = ListingBound(pages: 1000, items: 100_000)

    /// Bounds below 1 are taken as 1: a read always gets its first page.
    public init(pages: Int, items: Int) {
        self.pages = max(1, pages)
        self.items = max(1, items)
    }

    /// `1000 pages or 100000 issues`, for error messages.
    func wording(items noun: String) -> String {
        "\(pages) pages or \(items) \(noun)"
    }
}
