import Foundation

/// Per-token, per-resource hourly quotas, windowed the way GitHub does it: the window opens
/// with the first counted request and `x-ratelimit-reset` is when it closes.
struct RateLimitBook: Sendable {
    struct Window: Sendable {
        var opened: Date
        var used: Int
    }

    struct Status: Sendable {
        var limit: Int
        var used: Int
        var reset: Date
        var resource: String

        var remaining: Int { max(0, limit - used) }

        var headers: [(String, String)] {
            [
                ("x-ratelimit-limit", String(limit)),
                ("x-ratelimit-remaining", String(remaining)),
                ("x-ratelimit-used", String(used)),
                ("x-ratelimit-reset", String(Int(reset.timeIntervalSince1970.rounded(.up)))),
                ("x-ratelimit-resource", resource),
            ]
        }
    }

    private var windows: [String: Window] = [:]

    func status(token: String, resource: String, limit: Int, now: Date) -> Status {
        let window = current(token: token, resource: resource, now: now)
        return Status(limit: limit, used: window?.used ?? 0, reset: (window?.opened ?? now).addingTimeInterval(3600), resource: resource)
    }

    mutating func charge(token: String, resource: String, now: Date) {
        var window = current(token: token, resource: resource, now: now) ?? Window(opened: Timestamp.wholeSeconds(now), used: 0)
        window.used += 1
        windows["\(resource) \(token)"] = window
    }

    private func current(token: String, resource: String, now: Date) -> Window? {
        guard let window = windows["\(resource) \(token)"], now < window.opened.addingTimeInterval(3600) else { return nil }
        return window
    }
}
