import Foundation

/// The parts of an RFC 8288 `Link` header GitHub uses for paging.
enum LinkHeader {
    /// The target of the `rel="next"` link in `header`, or nil when there is no next page.
    ///
    /// `header` looks like `<https://api.github.com/…&page=2>; rel="next", <…>; rel="last"`.
    /// A link may carry several relation types (`rel="next last"`), and the URL itself may contain
    /// commas, so the header is split on `<…>` boundaries rather than on every comma.
    static func next(in header: String) -> String? {
        var rest = Substring(header)
        while let open = rest.firstIndex(of: "<") {
            guard let close = rest[open...].firstIndex(of: ">") else { return nil }
            let target = String(rest[rest.index(after: open)..<close])
            let afterTarget = rest[rest.index(after: close)...]
            let paramsEnd = afterTarget.firstIndex(of: "<") ?? afterTarget.endIndex
            let params = afterTarget[..<paramsEnd]
            if relations(in: params).contains("next") { return target }
            rest = afterTarget[paramsEnd...]
        }
        return nil
    }

    private static func relations(in params: Substring) -> [String] {
        for param in params.split(separator: ";") {
            let pair = param.split(separator: "=", maxSplits: 1)
            guard pair.count == 2,
                pair[0].trimmingCharacters(in: .whitespaces).lowercased() == "rel"
            else { continue }
            var value = pair[1].trimmingCharacters(in: .whitespaces)
            if value.hasSuffix(",") { value.removeLast() }
            value = value.trimmingCharacters(in: CharacterSet(charactersIn: "\" "))
            return value.lowercased().split(separator: " ").map(String.init)
        }
        return []
    }
}
