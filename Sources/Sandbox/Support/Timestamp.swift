import Foundation

/// GitHub's timestamp dialect: UTC, whole seconds, `Z` suffix (`2026-11-24T10:00:00Z`).
enum Timestamp {
    /// Renders whole seconds, as GitHub does; sub-second parts are dropped, never rounded up,
    /// so a rendered time never claims to be later than the event.
    static func format(_ date: Date) -> String {
        let seconds = Int64(floor(date.timeIntervalSince1970))
        let days = seconds >= 0 ? seconds / 86_400 : (seconds - 86_399) / 86_400
        let secondOfDay = Int(seconds - days * 86_400)
        let (year, month, day) = civilDate(fromDays: days)
        return String(
            format: "%04d-%02d-%02dT%02d:%02d:%02dZ",
            year, month, day, secondOfDay / 3600, secondOfDay / 60 % 60, secondOfDay % 60
        )
    }

    /// Accepts only `YYYY-MM-DDTHH:MM:SS[.fraction]Z`.
    ///
    /// Stricter than GitHub on purpose: a client that sends local time, an offset or a bare
    /// date is almost certainly computing its cursor wrongly, and a 422 makes that visible.
    static func parse(_ text: String) -> Date? {
        let chars = Array(text.utf8)
        guard chars.count >= 20, chars.last == UInt8(ascii: "Z") else { return nil }
        func number(_ range: Range<Int>) -> Int? {
            guard range.upperBound <= chars.count else { return nil }
            var value = 0
            for c in chars[range] {
                guard (48...57).contains(c) else { return nil }
                value = value * 10 + Int(c - 48)
            }
            return value
        }
        guard chars[4] == UInt8(ascii: "-"), chars[7] == UInt8(ascii: "-"),
              chars[10] == UInt8(ascii: "T"), chars[13] == UInt8(ascii: ":"), chars[16] == UInt8(ascii: ":"),
              let year = number(0..<4), let month = number(5..<7), let day = number(8..<10),
              let hour = number(11..<13), let minute = number(14..<16), let second = number(17..<19),
              (1...12).contains(month), (1...daysIn(month: month, year: year)).contains(day),
              hour < 24, minute < 60, second < 60
        else { return nil }
        var fraction = 0.0
        if chars.count > 20 {
            // Read as a decimal fraction, not an integer: a client may send any number of digits,
            // and twenty of them overflow `Int`.
            let digits = chars[20..<(chars.count - 1)]
            guard chars[19] == UInt8(ascii: "."), !digits.isEmpty, digits.allSatisfy({ (48...57).contains($0) }),
                  let value = Double("0." + String(decoding: digits, as: UTF8.self)) else { return nil }
            fraction = value
        } else {
            guard chars[19] == UInt8(ascii: "Z") else { return nil }
        }
        let days = daysFromCivil(year: year, month: month, day: day)
        let seconds = Double(days * 86_400 + Int64(hour * 3600 + minute * 60 + second))
        return Date(timeIntervalSince1970: seconds + fraction)
    }

    static func wholeSeconds(_ date: Date) -> Date {
        Date(timeIntervalSince1970: floor(date.timeIntervalSince1970))
    }

    static func milliseconds(_ date: Date) -> Int {
        Int((date.timeIntervalSince1970 * 1000).rounded(.down))
    }

    // Howard Hinnant's civil-calendar algorithms: exact, and free of Calendar/TimeZone state.
    private static func daysFromCivil(year: Int, month: Int, day: Int) -> Int64 {
        let y = Int64(month <= 2 ? year - 1 : year)
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let m = Int64(month)
        let doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + Int64(day) - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }

    private static func civilDate(fromDays days: Int64) -> (Int, Int, Int) {
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let day = Int(doy - (153 * mp + 2) / 5 + 1)
        let month = Int(mp < 10 ? mp + 3 : mp - 9)
        let year = Int(yoe + era * 400) + (month <= 2 ? 1 : 0)
        return (year, month, day)
    }

    private static func daysIn(month: Int, year: Int) -> Int {
        switch month {
        case 2: (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: 30
        default: 31
        }
    }
}

extension Timestamp {
    /// Millisecond precision for the request log, where ordering within a second matters.
    static func formatPrecise(_ date: Date) -> String {
        let milliseconds = Int((date.timeIntervalSince1970 * 1000).rounded(.down)) % 1000
        return format(date).dropLast() + String(format: ".%03dZ", milliseconds < 0 ? milliseconds + 1000 : milliseconds)
    }
}
