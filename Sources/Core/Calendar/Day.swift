/// A calendar day, as days since 1970-01-01 (proleptic Gregorian). Cheap to compare and hash.
public struct Day: Hashable, Comparable, Sendable, CustomStringConvertible, Codable {
    public let daysSinceEpoch: Int32

    public init(daysSinceEpoch: Int32) { self.daysSinceEpoch = daysSinceEpoch }

    /// The days Closebell accepts from outside (files, messages, flags): 1900-01-01 … 2999-12-31.
    /// Within it, date arithmetic cannot overflow and PostgreSQL's `date` holds every value.
    public static let supported = Day(daysSinceEpoch: -25_567)...Day(daysSinceEpoch: 376_199)

    /// Builds a day from its parts; nil when the date does not exist.
    public init?(year: Int, month: Int, day: Int) {
        guard (1...12).contains(month), day >= 1, day <= Day.daysInMonth(year, month) else { return nil }
        // Howard Hinnant's days_from_civil.
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let mp = (month + 9) % 12
        let doy = (153 * mp + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        daysSinceEpoch = Int32(era * 146_097 + doe - 719_468)
    }

    /// Parses `YYYY-MM-DD` exactly (no other layout).
    public init?(iso: some StringProtocol) {
        var bytes = Array(iso.utf8)
        guard let d = bytes.withUnsafeMutableBufferPointer({ Day.parseISO(UnsafeBufferPointer($0)) }) else { return nil }
        self = d
    }

    /// Parses `YYYY-MM-DD` from raw bytes.
    public static func parseISO(_ b: UnsafeBufferPointer<UInt8>) -> Day? {
        guard b.count == 10, b[4] == 0x2D, b[7] == 0x2D else { return nil }
        func digits(_ from: Int, _ n: Int) -> Int? {
            var v = 0
            for i in from..<(from + n) {
                let c = b[i] &- 0x30
                guard c < 10 else { return nil }
                v = v * 10 + Int(c)
            }
            return v
        }
        guard let y = digits(0, 4), let m = digits(5, 2), let d = digits(8, 2) else { return nil }
        return Day(year: y, month: m, day: d)
    }

    /// Parses the compact `YYYYMMDD` of daily file names.
    public init?(compact s: some StringProtocol) {
        guard s.count == 8, s.allSatisfy(\.isASCII), let v = Int(s) else { return nil }
        self.init(year: v / 10_000, month: v / 100 % 100, day: v % 100)
    }

    public var parts: (year: Int, month: Int, day: Int) {
        let z = Int(daysSinceEpoch) + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        return (yoe + era * 400 + (m <= 2 ? 1 : 0), m, d)
    }

    /// 0 = Sunday … 6 = Saturday.
    public var weekday: Int { Int((Int64(daysSinceEpoch) % 7 + 11) % 7) }

    public func adding(days n: Int) -> Day { Day(daysSinceEpoch: daysSinceEpoch + Int32(n)) }

    /// `YYYY-MM-DD`.
    public var description: String {
        let (y, m, d) = parts
        return "\(Day.pad(y, 4))-\(Day.pad(m, 2))-\(Day.pad(d, 2))"
    }

    /// `YYYYMMDD`.
    public var compact: String {
        let (y, m, d) = parts
        return Day.pad(y, 4) + Day.pad(m, 2) + Day.pad(d, 2)
    }

    public static func < (a: Day, b: Day) -> Bool { a.daysSinceEpoch < b.daysSinceEpoch }

    static func pad(_ v: Int, _ n: Int) -> String {
        let s = String(v)
        return s.count >= n ? s : String(repeating: "0", count: n - s.count) + s
    }

    static func daysInMonth(_ y: Int, _ m: Int) -> Int {
        switch m {
        case 2: return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }

    public init(from decoder: Decoder) throws {
        let s = try decoder.singleValueContainer().decode(String.self)
        guard let d = Day(iso: s) else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "not a YYYY-MM-DD date: \(s)"))
        }
        self = d
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(description)
    }
}

/// The days a market trades on (configuration's `market.trading_weekdays`; NEPSE trades Sunday–Thursday).
public struct TradingCalendar: Sendable {
    /// Weekdays (0 = Sunday) the market is open.
    public let weekdays: Set<Int>

    public init(weekdays: Set<Int>) { self.weekdays = weekdays }

    /// Sunday–Thursday (NEPSE, and markets with a Friday–Saturday weekend).
    public static let sundayToThursday = TradingCalendar(weekdays: [0, 1, 2, 3, 4])
    public static let mondayToFriday = TradingCalendar(weekdays: [1, 2, 3, 4, 5])

    /// The next trading day after `day` (holidays are not known here: the realised-return join
    /// uses the symbol's actual next row).
    public func nextTradingDay(after day: Day) -> Day {
        var d = day.adding(days: 1)
        while !weekdays.contains(d.weekday) { d = d.adding(days: 1) }
        return d
    }

    public func isTradingDay(_ day: Day) -> Bool { weekdays.contains(day.weekday) }
}
