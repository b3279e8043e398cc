import Foundation

/// How long ago something happened, the way `status` and the console say it: `42s ago`, `5m ago`,
/// `3h ago`, `2d ago`. A time in the future (a clock ahead of ours) reads as `0s ago`.
public enum ElapsedText {
    public static func ago(_ date: Date, now: Date = Date()) -> String {
        duration(now.timeIntervalSince(date)) + " ago"
    }

    /// A span in its largest whole unit: `42s`, `5m`, `3h`, `2d`; negative or NaN reads `0s`.
    public static func duration(_ interval: TimeInterval) -> String {
        let seconds = interval.isNaN ? 0 : max(0, interval)
        // Whole units, rounded down; the cast is safe because the value is bounded first.
        let value = Int(min(seconds, 1e15))
        switch value {
        case ..<60: return "\(value)s"
        case ..<3600: return "\(value / 60)m"
        case ..<86_400: return "\(value / 3600)h"
        default: return "\(value / 86_400)d"
        }
    }
}
