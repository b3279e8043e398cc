import Foundation

/// UTC ISO-8601 timestamps with a `Z` suffix: the only way a time is written to a cache, a ledger,
/// a request or a log line (local time labelled UTC was upstream failure mode 1).
///
/// The common shape `2026-11-24T10:00:00Z` is formatted and parsed by hand: a cache of thousands
/// of issues holds two of them per issue, and Foundation's formatters are slow to build and not
/// safe to share between threads on every platform.
public enum Timestamp {
    /// Formats `date` as `2026-11-24T10:00:00Z` (whole seconds, UTC).
    ///
    /// Total over every `Date`: one past ±`formattableSeconds` (about 31 million years, far beyond
    /// anything `parse` accepts) or not finite is written as the nearest end of that range, because
    /// a time in an error message or a log line must never be what brings the process down.
    public static func format(_ date: Date) -> String {
        let interval = date.timeIntervalSince1970
        let clamped = interval.isNaN ? 0 : min(max(interval, -formattableSeconds), formattableSeconds)
        let seconds = Int64(clamped.rounded(.down))
        let days = seconds >= 0 ? seconds / 86400 : (seconds - 86399) / 86400
        let secondOfDay = Int(seconds - days * 86400)
        let (year, month, day) = civil(fromDays: days)
        return String(
            format: "%04d-%02d-%02dT%02d:%02d:%02dZ",
            year, month, day, secondOfDay / 3600, (secondOfDay / 60) % 60, secondOfDay % 60)
    }

    /// The widest epoch offset `format` writes as it is; the integer arithmetic stays far from `Int64`'s ends.
    static let formattableSeconds: TimeInterval = 1e15

    /// Parses an ISO-8601 timestamp with `Z` or a numeric offset, with or without fractional seconds.
    public static func parse(_ text: String) -> Date? {
        if let date = parseWholeSecondsUTC(text) { return date }
        let plain = ISO8601DateFormatter()
        plain.formatOptions = [.withInternetDateTime]
        if let date = plain.date(from: text) { return date }
        let fractional = ISO8601DateFormatter()
        fractional.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return fractional.date(from: text)
    }

    /// Parses an HTTP `Date` header (RFC 7231 IMF-fixdate), the server's clock.
    public static func parseHTTPDate(_ text: String) -> Date? {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "GMT")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss zzz"
        return formatter.date(from: text)
    }

    /// `YYYY-MM-DDTHH:MM:SSZ` exactly, or nil.
    static func parseWholeSecondsUTC(_ text: String) -> Date? {
        let bytes = Array(text.utf8)
        guard bytes.count == 20, bytes[4] == UInt8(ascii: "-"), bytes[7] == UInt8(ascii: "-"),
            bytes[10] == UInt8(ascii: "T"), bytes[13] == UInt8(ascii: ":"), bytes[16] == UInt8(ascii: ":"),
            bytes[19] == UInt8(ascii: "Z")
        else { return nil }
        func number(_ range: Range<Int>) -> Int? {
            var value = 0
            for index in range {
                let digit = Int(bytes[index]) - 48
                guard (0...9).contains(digit) else { return nil }
                value = value * 10 + digit
            }
            return value
        }
        guard let year = number(0..<4), let month = number(5..<7), let day = number(8..<10),
            let hour = number(11..<13), let minute = number(14..<16), let second = number(17..<19),
            (1...12).contains(month), (1...31).contains(day), hour < 24, minute < 60, second < 61
        else { return nil }
        let days = daysFromCivil(year: year, month: month, day: day)
        return Date(timeIntervalSince1970: TimeInterval(days * 86400 + Int64(hour * 3600 + minute * 60 + second)))
    }

    /// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
    static func daysFromCivil(year: Int, month: Int, day: Int) -> Int64 {
        let y = Int64(month <= 2 ? year - 1 : year)
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        let m = Int64(month)
        let dayOfYear = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + Int64(day) - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146097 + dayOfEra - 719468
    }

    static func civil(fromDays days: Int64) -> (year: Int, month: Int, day: Int) {
        let z = days + 719468
        let era = (z >= 0 ? z : z - 146096) / 146097
        let dayOfEra = z - era * 146097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36524 - dayOfEra / 146096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let mp = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        let year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0)
        return (Int(year), Int(month), Int(day))
    }
}
