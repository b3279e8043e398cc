import Foundation

/// The GraphQL questions the Sandbox answers, each about one issue or several at once through
/// aliases, as GitHub allows:
///
/// ```graphql
/// query($owner:String!,$name:String!){ repository(owner:$owner,name:$name){
///   i101: issue(number:101){ linkedBranches(first:10){ nodes{ ref{ name } } } }
///   i102: issue(number:$second){ linkedBranches(first:10){ totalCount nodes{ ref{ name } } } }
///   i103: issue(number:103){ timelineItems(itemTypes:[LABELED_EVENT], last:20){
///     pageInfo{ hasPreviousPage } nodes{ ... on LabeledEvent { createdAt label{ name } } } } } } }
/// ```
///
/// Which branches are linked to an issue, and when its labels came on. The document's shape comes
/// from `GraphQLDocument`; this accepts exactly these questions in every spelling a client would
/// send (named or anonymous operation, variables or inline literals), nothing that asks for
/// something else.
struct IssuesQuery: Equatable {
    /// What one `issue(number:)` field asks: one connection of the issue.
    enum Connection: Equatable {
        /// `linkedBranches(first:)`, with its fields in the order asked: `nodes`, `totalCount`.
        case linkedBranches(first: Int, fields: [String])
        /// `timelineItems(itemTypes: [LABELED_EVENT], first:|last:)`.
        case labeledEvents(LabeledEvents)
    }

    /// A page of an issue's `labeled` events, oldest first within the page.
    struct LabeledEvents: Equatable {
        /// How many events the page holds at most.
        var count: Int
        /// `last:` (the newest `count`) rather than `first:` (the oldest).
        var fromEnd: Bool
        /// The connection's fields in the order asked.
        var fields: [Field]
    }

    /// A field of the `timelineItems` connection.
    enum Field: Equatable {
        case totalCount
        /// `pageInfo{ hasPreviousPage hasNextPage }`, those asked in order.
        case pageInfo([String])
        /// `nodes{ ... on LabeledEvent { createdAt label{ name } __typename } }`, those asked in order.
        case nodes([String])
    }

    /// One `issue(number:)` field; `key` is where the answer goes (its alias, else "issue").
    struct IssueField: Equatable {
        var key: String
        var number: Int
        var connection: Connection
    }

    /// Where the repository's answer goes (its alias, else "repository").
    var repositoryKey: String
    var owner: String
    var name: String
    var issues: [IssueField]

    static let shapeMessage =
        "The Sandbox answers only repository(owner:,name:){ [alias:] issue(number:){ linkedBranches(first:){nodes{ref{name}}} | timelineItems(itemTypes:[LABELED_EVENT],last:){pageInfo{hasPreviousPage} nodes{... on LabeledEvent{createdAt label{name}}}} } … }"

    static func parse(query: String, variables: JSONValue?) -> Result<IssuesQuery, GraphQLFailure> {
        do {
            return .success(try interpret(try GraphQLDocument.parse(query), variables: variables))
        } catch let failure as GraphQLFailure {
            return .failure(failure)
        } catch {
            return .failure(GraphQLFailure("\(error)"))
        }
    }

    // MARK: Meaning

    private typealias DocumentField = GraphQLDocument.Field

    private static func interpret(_ selection: [DocumentField], variables: JSONValue?) throws -> IssuesQuery {
        guard selection.count == 1, let repository = selection.first, repository.name == "repository",
              let repositorySelection = repository.selection, !repositorySelection.isEmpty
        else { throw GraphQLFailure(shapeMessage) }
        let owner = try string(repository, "owner", variables: variables)
        let name = try string(repository, "name", variables: variables)

        var issues: [IssueField] = []
        for field in repositorySelection {
            guard field.name == "issue", let asked = field.selection, asked.count == 1, asked[0].alias == nil else {
                throw GraphQLFailure(shapeMessage)
            }
            let number = try int(field, "number", variables: variables)
            let connection: Connection
            switch asked[0].name {
            case "linkedBranches": connection = try linkedBranches(asked[0], variables: variables)
            case "timelineItems": connection = .labeledEvents(try labeledEvents(asked[0], variables: variables))
            default: throw GraphQLFailure(shapeMessage)
            }
            // GraphQL merges same-named fields only when they ask the same; two different issues
            // under one key is GitHub's "fields conflict" error.
            let key = field.alias ?? field.name
            if let earlier = issues.first(where: { $0.key == key }), earlier.number != number || earlier.connection != connection {
                throw GraphQLFailure("Field '\(key)' conflict because they have differing arguments. Use different aliases on the fields to fetch both if this was intentional.")
            }
            issues.append(IssueField(key: key, number: number, connection: connection))
        }
        return IssuesQuery(
            repositoryKey: repository.alias ?? repository.name, owner: owner, name: name,
            issues: issues.reduce(into: []) { kept, issue in if !kept.contains(where: { $0.key == issue.key }) { kept.append(issue) } })
    }

    private static func linkedBranches(_ branches: DocumentField, variables: JSONValue?) throws -> Connection {
        guard let connection = branches.selection, !connection.isEmpty,
              connection.allSatisfy({ ["nodes", "totalCount"].contains($0.name) && $0.alias == nil }),
              connection.first(where: { $0.name == "nodes" }).map(isBranchNodes) ?? true
        else { throw GraphQLFailure(shapeMessage) }
        let first = try pageSize(branches, "first", variables: variables)
        return .linkedBranches(first: first, fields: connection.map(\.name))
    }

    private static func isBranchNodes(_ nodes: DocumentField) -> Bool {
        nodes.selection?.only(named: "ref")?.selection?.only(named: "name") != nil
    }

    private static func labeledEvents(_ timeline: DocumentField, variables: JSONValue?) throws -> LabeledEvents {
        guard let types = timeline.arguments["itemTypes"] else { throw GraphQLFailure(shapeMessage) }
        guard try itemTypes(types, variables: variables) == ["LABELED_EVENT"] else { throw GraphQLFailure(shapeMessage) }
        let fromEnd = timeline.arguments["last"] != nil
        guard fromEnd != (timeline.arguments["first"] != nil) else {
            throw GraphQLFailure(fromEnd
                ? "Passing both `first` and `last` to paginate the `timelineItems` connection is not supported."
                : "You must provide a `first` or `last` value to properly paginate the `timelineItems` connection.")
        }
        let count = try pageSize(timeline, fromEnd ? "last" : "first", variables: variables)
        guard let selection = timeline.selection, !selection.isEmpty else { throw GraphQLFailure(shapeMessage) }
        var fields: [Field] = []
        for field in selection {
            guard field.alias == nil else { throw GraphQLFailure(shapeMessage) }
            switch (field.name, field.selection) {
            case ("totalCount", nil):
                fields.append(.totalCount)
            case ("pageInfo", let asked?) where asked.allSatisfy({ ["hasPreviousPage", "hasNextPage"].contains($0.name) && $0.alias == nil && $0.selection == nil }):
                fields.append(.pageInfo(asked.map(\.name)))
            case ("nodes", let asked?):
                fields.append(.nodes(try labeledEventFields(asked)))
            default:
                throw GraphQLFailure(shapeMessage)
            }
        }
        return LabeledEvents(count: count, fromEnd: fromEnd, fields: fields)
    }

    /// `nodes{ ... on LabeledEvent { createdAt label{ name } } }`: the timeline's nodes are a
    /// union, so their fields are asked in a fragment on the one type asked for.
    private static func labeledEventFields(_ nodes: [DocumentField]) throws -> [String] {
        guard nodes.count == 1, let fragment = nodes.first, fragment.name == "...", fragment.typeCondition == "LabeledEvent",
              let asked = fragment.selection, !asked.isEmpty
        else { throw GraphQLFailure(shapeMessage) }
        for field in asked {
            let known = switch field.name {
            case "createdAt", "__typename": field.selection == nil
            case "label": field.selection?.only(named: "name").map { $0.selection == nil } ?? false
            default: false
            }
            guard known, field.alias == nil else { throw GraphQLFailure(shapeMessage) }
        }
        return asked.map(\.name)
    }

    /// The item types asked: a list of enum names, one bare name (GraphQL coerces it to a list),
    /// or a variable holding a list of strings.
    private static func itemTypes(_ value: GraphQLDocument.Token, variables: JSONValue?) throws -> [String] {
        switch value {
        case .name(let type): return [type]
        case .list(let items):
            return try items.map { item in
                guard case .name(let type) = item else {
                    throw GraphQLFailure("Argument 'itemTypes' on Field 'timelineItems' has an invalid value. Expected type '[IssueTimelineItemsItemType!]'.")
                }
                return type
            }
        case .variable(let v):
            guard let list = variables?[v]?.arrayValue else {
                throw GraphQLFailure("Variable $\(v) of type [IssueTimelineItemsItemType!] was provided invalid value")
            }
            return list.compactMap(\.stringValue)
        default:
            throw GraphQLFailure("Argument 'itemTypes' on Field 'timelineItems' has an invalid value. Expected type '[IssueTimelineItemsItemType!]'.")
        }
    }

    /// A connection's `first` or `last`, which GitHub requires and bounds to 100.
    private static func pageSize(_ connection: DocumentField, _ argument: String, variables: JSONValue?) throws -> Int {
        guard connection.arguments[argument] != nil else {
            throw GraphQLFailure("You must provide a `first` or `last` value to properly paginate the `\(connection.name)` connection.")
        }
        let size = try int(connection, argument, variables: variables)
        guard (0...100).contains(size) else {
            throw GraphQLFailure("Requesting \(size) records on the `\(connection.name)` connection exceeds the `\(argument)` limit of 100 records.")
        }
        return size
    }

    private static func resolve(_ field: DocumentField, _ argument: String, type: String, variables: JSONValue?) throws -> JSONValue {
        switch field.arguments[argument] {
        case .variable(let v)?:
            guard let value = variables?[v], value != .null else {
                throw GraphQLFailure("Variable $\(v) of type \(type) was provided invalid value")
            }
            return value
        case .string(let s)?: return .string(s)
        case .number(let n)?: return .int(n)
        case nil: throw GraphQLFailure("Field '\(field.name)' is missing required arguments: \(argument)")
        default: throw GraphQLFailure("Argument '\(argument)' on Field '\(field.name)' has an invalid value.")
        }
    }

    private static func string(_ field: DocumentField, _ argument: String, variables: JSONValue?) throws -> String {
        guard let value = try resolve(field, argument, type: "String!", variables: variables).stringValue else {
            throw GraphQLFailure("Argument '\(argument)' on Field '\(field.name)' has an invalid value. Expected type 'String!'.")
        }
        return value
    }

    private static func int(_ field: DocumentField, _ argument: String, variables: JSONValue?) throws -> Int {
        guard let value = try resolve(field, argument, type: "Int!", variables: variables).intValue else {
            throw GraphQLFailure("Argument '\(argument)' on Field '\(field.name)' has an invalid value. Expected type 'Int!'.")
        }
        return value
    }
}
