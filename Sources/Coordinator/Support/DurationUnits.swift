/// A `Duration` in the units other APIs take: seconds for `Date` arithmetic and messages,
/// milliseconds for timeouts given in ms. One conversion for every caller.
extension Duration {
    /// Seconds, fractions kept.
    public var inSeconds: Double {
        let (seconds, attoseconds) = components
        return Double(seconds) + Double(attoseconds) / 1e18
    }

    /// Whole milliseconds (rounded toward zero), clamped to `Int64` rather than overflowing.
    public var inMilliseconds: Int64 {
        let (seconds, attoseconds) = components
        let (whole, overflow) = seconds.multipliedReportingOverflow(by: 1000)
        guard !overflow else { return seconds < 0 ? .min : .max }
        let (sum, overflowAgain) = whole.addingReportingOverflow(attoseconds / 1_000_000_000_000_000)
        return overflowAgain ? (whole < 0 ? .min : .max) : sum
    }
}
