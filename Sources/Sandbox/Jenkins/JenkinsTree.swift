import Foundation

/// Jenkins' `tree=` query parameter: which properties of a remote-API answer to keep, nested with
/// `[…]`, and for arrays an optional range `{M,N}` (from M inclusive to N exclusive; `{N}` is the
/// one element N, `{M,}` and `{,N}` leave one end open), as in
/// `builds[number,url,timestamp,actions[parameters[name,value]]]{0,50}`.
///
/// `_class` is always kept, as Jenkins does. A property the tree names but the object lacks is
/// left out. A malformed tree is `nil`; Jenkins answers that with `400`.
struct JenkinsTree: Sendable, Equatable {
    struct Field: Sendable, Equatable {
        var name: String
        var children: JenkinsTree?
        /// `{M,N}`: elements M up to (not including) N; `upper` nil = to the end.
        var slice: (lower: Int, upper: Int?)?

        static func == (a: Field, b: Field) -> Bool {
            a.name == b.name && a.children == b.children && a.slice?.lower == b.slice?.lower && a.slice?.upper == b.slice?.upper
        }
    }

    var fields: [Field]

    static func parse(_ text: String) -> JenkinsTree? {
        var parser = Parser(characters: Array(text))
        guard let tree = parser.fields(), parser.index == parser.characters.count else { return nil }
        return tree
    }

    /// Keeps what the tree names, at every depth.
    func apply(to value: JSONValue) -> JSONValue {
        switch value {
        case let .array(elements):
            return .array(elements.map(apply))
        case let .object(pairs):
            var kept: [(String, JSONValue)] = []
            for (key, child) in pairs {
                if key == "_class" {
                    kept.append((key, child))
                    continue
                }
                guard let field = fields.first(where: { $0.name == key }) else { continue }
                var selected = child
                if case let .array(elements) = child, let slice = field.slice {
                    let lower = min(slice.lower, elements.count)
                    let upper = min(slice.upper ?? elements.count, elements.count)
                    selected = .array(lower < upper ? Array(elements[lower..<upper]) : [])
                }
                kept.append((key, field.children.map { $0.apply(to: selected) } ?? selected))
            }
            return .object(kept)
        default:
            return value
        }
    }

    private struct Parser {
        let characters: [Character]
        var index = 0

        mutating func fields() -> JenkinsTree? {
            var fields: [Field] = []
            while true {
                var name = ""
                while index < characters.count, !"[],{}".contains(characters[index]) {
                    name.append(characters[index])
                    index += 1
                }
                name = name.trimmingCharacters(in: .whitespaces)
                guard !name.isEmpty else { return nil }
                var field = Field(name: name)
                if peek("[") {
                    index += 1
                    guard let children = self.fields(), peek("]") else { return nil }
                    index += 1
                    field.children = children
                }
                if peek("{") {
                    index += 1
                    guard let slice = range() else { return nil }
                    field.slice = slice
                }
                fields.append(field)
                guard peek(",") else { return JenkinsTree(fields: fields) }
                index += 1
            }
        }

        /// After `{`: `M,N}`, `M,}`, `,N}` or `N}`.
        private mutating func range() -> (Int, Int?)? {
            var text = ""
            while index < characters.count, characters[index] != "}" {
                text.append(characters[index])
                index += 1
            }
            guard peek("}") else { return nil }
            index += 1
            let parts = text.split(separator: ",", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
            func bound(_ part: String) -> Int?? {
                if part.isEmpty { return .some(nil) }
                guard let value = Int(part), value >= 0 else { return nil }
                return .some(value)
            }
            switch parts.count {
            case 1:
                guard let single = bound(parts[0]), let value = single, value < Int.max else { return nil }
                return (value, value + 1)
            case 2:
                guard let lower = bound(parts[0]), let upper = bound(parts[1]) else { return nil }
                return (lower ?? 0, upper)
            default:
                return nil
            }
        }

        private func peek(_ character: Character) -> Bool {
            index < characters.count && characters[index] == character
        }
    }
}
