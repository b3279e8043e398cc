import Foundation

/// A misbehaviour of GitHub's webhook sender: deliveries dropped (recorded, never sent) or held
/// back before sending.
///
/// Applies either to the next `count` deliveries, or to a `share` of all deliveries, chosen by a
/// pseudo-random draw from `seed` so the same run drops the same deliveries every time. Faults
/// are consulted in the order armed; the first that applies decides. A `count` fault is disarmed
/// when spent; a `share` fault stays until cleared.
///
/// JSON shape (control API): `{"drop":true,"count":2}`, `{"delay_ms":3000,"share":0.3,"seed":7}`,
/// optionally with `"hook_id":N` to touch only one hook's deliveries.
public struct SandboxWebhookFault: Sendable, Equatable, Codable {
    public enum Effect: Sendable, Equatable {
        /// Record the delivery as dropped; never send it.
        case drop
        /// Wait this long before sending. Later deliveries of the same hook wait behind it:
        /// each hook delivers in the order the changes happened.
        case delay(milliseconds: Int)
    }

    public enum Selection: Sendable, Equatable {
        /// The next N deliveries.
        case next(Int)
        /// This fraction (0…1) of deliveries, drawn from `seed`.
        case share(Double, seed: UInt64)
    }

    public var effect: Effect
    public var selection: Selection
    /// Only this hook's deliveries; nil for every hook.
    public var hookID: Int?
    /// Advances once per delivery the fault is consulted for.
    var draw: SeededDraw

    public init(effect: Effect, selection: Selection, hookID: Int? = nil) {
        self.effect = effect
        self.selection = selection
        self.hookID = hookID
        if case .share(_, let seed) = selection { draw = SeededDraw(state: seed) } else { draw = SeededDraw(state: 0) }
    }

    public static func drop(next count: Int = 1, hookID: Int? = nil) -> SandboxWebhookFault {
        SandboxWebhookFault(effect: .drop, selection: .next(count), hookID: hookID)
    }

    public static func drop(share: Double, seed: UInt64 = 1, hookID: Int? = nil) -> SandboxWebhookFault {
        SandboxWebhookFault(effect: .drop, selection: .share(share, seed: seed), hookID: hookID)
    }

    public static func delay(milliseconds: Int, next count: Int = 1, hookID: Int? = nil) -> SandboxWebhookFault {
        SandboxWebhookFault(effect: .delay(milliseconds: milliseconds), selection: .next(count), hookID: hookID)
    }

    public static func delay(milliseconds: Int, share: Double, seed: UInt64 = 1, hookID: Int? = nil) -> SandboxWebhookFault {
        SandboxWebhookFault(effect: .delay(milliseconds: milliseconds), selection: .share(share, seed: seed), hookID: hookID)
    }

    /// Whether the fault applies to this delivery; consumes one use or one draw.
    mutating func applies(toHook id: Int) -> Bool {
        if let hookID, hookID != id { return false }
        switch selection {
        case .next(let count):
            guard count > 0 else { return false }
            selection = .next(count - 1)
            return true
        case .share(let share, _):
            return draw.nextUnit() < share
        }
    }

    var isSpent: Bool { selection == .next(0) }

    // MARK: Codable

    enum CodingKeys: String, CodingKey {
        case drop, count, share, seed
        case delayMs = "delay_ms"
        case hookID = "hook_id"
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let drop = try c.decodeIfPresent(Bool.self, forKey: .drop) ?? false
        let delay = try c.decodeIfPresent(Int.self, forKey: .delayMs)
        let count = try c.decodeIfPresent(Int.self, forKey: .count)
        let share = try c.decodeIfPresent(Double.self, forKey: .share)
        let seed = try c.decodeIfPresent(UInt64.self, forKey: .seed) ?? 1
        let hookID = try c.decodeIfPresent(Int.self, forKey: .hookID)
        let effect: Effect
        switch (drop, delay) {
        case (true, nil):
            effect = .drop
        case (false, let delay?):
            guard (0...Scenario.longestMilliseconds).contains(delay) else {
                throw DecodingError.dataCorruptedError(forKey: .delayMs, in: c, debugDescription: "delay_ms must be from 0 to \(Scenario.longestMilliseconds)")
            }
            effect = .delay(milliseconds: delay)
        default:
            throw DecodingError.dataCorruptedError(
                forKey: .drop, in: c, debugDescription: "give exactly one of \"drop\": true or \"delay_ms\": N")
        }
        let selection: Selection
        switch (count, share) {
        case (let count?, nil):
            guard count > 0 else {
                throw DecodingError.dataCorruptedError(forKey: .count, in: c, debugDescription: "count must be positive")
            }
            selection = .next(count)
        case (nil, let share?):
            guard share.isFinite, (0...1).contains(share) else {
                throw DecodingError.dataCorruptedError(forKey: .share, in: c, debugDescription: "share must be from 0 to 1, e.g. 0.3")
            }
            selection = .share(share, seed: seed)
        case (nil, nil):
            selection = .next(1)
        default:
            throw DecodingError.dataCorruptedError(
                forKey: .count, in: c, debugDescription: "give \"count\" (the next N deliveries) or \"share\" (a fraction), not both")
        }
        self.init(effect: effect, selection: selection, hookID: hookID)
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        switch effect {
        case .drop: try c.encode(true, forKey: .drop)
        case .delay(let milliseconds): try c.encode(milliseconds, forKey: .delayMs)
        }
        switch selection {
        case .next(let count): try c.encode(count, forKey: .count)
        case .share(let share, let seed):
            try c.encode(share, forKey: .share)
            try c.encode(seed, forKey: .seed)
        }
        try c.encodeIfPresent(hookID, forKey: .hookID)
    }
}
