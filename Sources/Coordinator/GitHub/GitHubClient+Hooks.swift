import Foundation

/// A repository webhook as `GET /repos/{owner}/{repo}/hooks` shows it. GitHub never shows the
/// secret, only whether there is one (`config.secret` is `"********"`).
public struct GitHubHook: Sendable, Equatable {
    public var id: Int
    public var active: Bool
    public var events: [String]
    /// `config.url`: where GitHub delivers.
    public var url: String
    /// `config.content_type`: `json` or `form` (GitHub's default, `application/x-www-form-urlencoded`).
    public var contentType: String
    /// `config.insecure_ssl`: `"0"` verifies the receiver's certificate, `"1"` does not.
    public var insecureSSL: String
    /// Whether `config.secret` is set; its value cannot be read back.
    public var hasSecret: Bool
    /// `updated_at`: when the hook was last changed (a delivery before it says nothing about the
    /// hook's present secret).
    public var updatedAt: Date?

    public init(
        id: Int, active: Bool, events: [String], url: String, contentType: String, insecureSSL: String, hasSecret: Bool,
        updatedAt: Date? = nil
    ) {
        self.updatedAt = updatedAt
        self.id = id
        self.active = active
        self.events = events
        self.url = url
        self.contentType = contentType
        self.insecureSSL = insecureSSL
        self.hasSecret = hasSecret
    }

    /// Subscribed to `issues` (or to every event, `*`): what `serve` needs.
    public var sendsIssues: Bool { events.contains("issues") || events.contains("*") }
}

/// One delivery GitHub made to a hook, from `GET …/hooks/{id}/deliveries`.
public struct GitHubHookDelivery: Sendable, Equatable {
    public var id: Int
    public var deliveredAt: Date?
    /// The receiver's HTTP status; 0 when GitHub got no answer (no connection, a timeout).
    public var statusCode: Int
    /// GitHub's words: `OK`, `Invalid HTTP Response: 502`, `timed out`, ….
    public var status: String
    public var event: String
    public var action: String?

    public init(id: Int, deliveredAt: Date?, statusCode: Int, status: String, event: String, action: String?) {
        self.id = id
        self.deliveredAt = deliveredAt
        self.statusCode = statusCode
        self.status = status
        self.event = event
        self.action = action
    }

    /// A 2xx answer: GitHub's green tick.
    public var succeeded: Bool { (200..<300).contains(statusCode) }
}

/// What a webhook should be: sent as the body of a create or an edit. The secret travels in the
/// request body only, never into a log line, an error or a printed plan.
public struct GitHubHookSettings: Sendable {
    public var url: String
    public var secret: Secret
    public var events: [String]
    public var active: Bool
    public var contentType: String
    public var insecureSSL: String

    public init(url: String, secret: Secret, events: [String], active: Bool = true, contentType: String = "json", insecureSSL: String = "0") {
        self.url = url
        self.secret = secret
        self.events = events
        self.active = active
        self.contentType = contentType
        self.insecureSSL = insecureSSL
    }
}

/// The repository webhook endpoints: read by `doctor`, written by `hooks sync`.
extension GitHubClient {
    /// The most hooks read: GitHub allows 20 per repository and event, so one page of 100 is all.
    static let hooksPerPage = 100

    /// `GET /repos/{owner}/{repo}/hooks`. A token without the hook scopes gets `404` (or `403`),
    /// as `GitHubError.http`.
    public func repositoryHooks() async throws -> [GitHubHook] {
        let url = "\(repoPath)/hooks?per_page=\(Self.hooksPerPage)"
        return try await connection.json([HookPayload].self, .GET, url: url).map(\.hook)
    }

    /// `GET /repos/{owner}/{repo}/hooks/{id}/deliveries?per_page=N`: the newest `count` first.
    public func hookDeliveries(hookID: Int, count: Int) async throws -> [GitHubHookDelivery] {
        let url = "\(repoPath)/hooks/\(hookID)/deliveries?per_page=\(max(1, min(count, 100)))"
        return try await connection.json([DeliveryPayload].self, .GET, url: url).map(\.delivery)
    }

    /// `POST /repos/{owner}/{repo}/hooks`, sent once: a retry after a lost answer could make a
    /// second hook, so a failure is reported and the next sync (which reads the hooks first) finds
    /// whatever did happen.
    public func createHook(_ settings: GitHubHookSettings) async throws -> GitHubHook {
        let body = try JSONEncoder().encode(HookRequest(settings, name: "web", addEvents: nil))
        let answer = try await connection.send(.POST, url: "\(repoPath)/hooks", body: body, retrying: false)
        return try connection.decode(HookPayload.self, from: answer, url: "\(repoPath)/hooks").hook
    }

    /// `PATCH /repos/{owner}/{repo}/hooks/{id}`: replaces the hook's configuration (GitHub drops a
    /// secret left out of it, so the secret is always sent), sets `active`, and adds `addEvents`
    /// to the events it already has. Repeating it leaves the same hook, so it may be retried.
    public func updateHook(id: Int, _ settings: GitHubHookSettings, addEvents: [String]) async throws -> GitHubHook {
        let url = "\(repoPath)/hooks/\(id)"
        let body = try JSONEncoder().encode(HookRequest(settings, name: nil, addEvents: addEvents))
        return try await connection.json(HookPayload.self, .PATCH, url: url, body: body).hook
    }
}

private struct HookPayload: Decodable {
    struct Config: Decodable {
        var url: String?
        var contentType: String?
        var insecureSSL: String?
        var secret: String?

        enum CodingKeys: String, CodingKey {
            case url, secret
            case contentType = "content_type"
            case insecureSSL = "insecure_ssl"
        }

        init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            url = try c.decodeIfPresent(String.self, forKey: .url)
            contentType = try c.decodeIfPresent(String.self, forKey: .contentType)
            secret = try c.decodeIfPresent(String.self, forKey: .secret)
            // GitHub sends a string; older answers and some proxies a number.
            if let text = try? c.decodeIfPresent(String.self, forKey: .insecureSSL) {
                insecureSSL = text
            } else {
                insecureSSL = (try? c.decodeIfPresent(Int.self, forKey: .insecureSSL)).map { String($0) }
            }
        }
    }
    var id: Int
    var active: Bool?
    var events: [String]?
    var config: Config?
    var updatedAt: String?

    enum CodingKeys: String, CodingKey {
        case id, active, events, config
        case updatedAt = "updated_at"
    }

    var hook: GitHubHook {
        GitHubHook(
            id: id, active: active ?? true, events: events ?? [], url: config?.url ?? "",
            contentType: config?.contentType ?? "form", insecureSSL: config?.insecureSSL ?? "0",
            hasSecret: !(config?.secret ?? "").isEmpty, updatedAt: updatedAt.flatMap(Timestamp.parse))
    }
}

private struct DeliveryPayload: Decodable {
    var id: Int
    var deliveredAt: String?
    var statusCode: Int?
    var status: String?
    var event: String?
    var action: String?

    enum CodingKeys: String, CodingKey {
        case id, status, event, action
        case deliveredAt = "delivered_at"
        case statusCode = "status_code"
    }

    var delivery: GitHubHookDelivery {
        GitHubHookDelivery(
            id: id, deliveredAt: deliveredAt.flatMap(Timestamp.parse), statusCode: statusCode ?? 0, status: status ?? "",
            event: event ?? "", action: action)
    }
}

private struct HookRequest: Encodable {
    struct Config: Encodable {
        var url: String
        var contentType: String
        var secret: String
        var insecureSSL: String

        enum CodingKeys: String, CodingKey {
            case url, secret
            case contentType = "content_type"
            case insecureSSL = "insecure_ssl"
        }
    }
    var name: String?
    var active: Bool
    var events: [String]?
    var addEvents: [String]?
    var config: Config

    init(_ settings: GitHubHookSettings, name: String?, addEvents: [String]?) {
        self.name = name
        active = settings.active
        // A create names the events; an edit adds to the ones the hook has, so events someone
        // else subscribed the hook to stay.
        events = addEvents == nil ? settings.events : nil
        self.addEvents = addEvents.flatMap { $0.isEmpty ? nil : $0 }
        config = Config(url: settings.url, contentType: settings.contentType, secret: settings.secret.reveal(), insecureSSL: settings.insecureSSL)
    }

    enum CodingKeys: String, CodingKey {
        case name, active, events, config
        case addEvents = "add_events"
    }

    func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encodeIfPresent(name, forKey: .name)
        try c.encode(active, forKey: .active)
        try c.encodeIfPresent(events, forKey: .events)
        try c.encodeIfPresent(addEvents, forKey: .addEvents)
        try c.encode(config, forKey: .config)
    }
}
