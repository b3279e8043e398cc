import Foundation

/// Work in flight, shown with a spinner in the footer.
public struct RunningTask: Sendable, Equatable {
    public var id: Int
    public var message: String
    public var started: Date
}

/// The footer's task line after work ends: successes and notices fade, errors stay until dismissed.
public struct TaskResult: Sendable, Equatable {
    public enum Kind: Sendable, Equatable {
        case success
        /// A refusal or hint (read-only, not eligible): not an error, fades like a success.
        case notice
        case failure
    }

    public var kind: Kind
    public var message: String
    public var at: Date

    /// Seconds a success or notice stays on screen.
    public static let fadeSeconds: TimeInterval = 5

    public func isExpired(at now: Date) -> Bool {
        kind != .failure && now.timeIntervalSince(at) >= Self.fadeSeconds
    }
}
