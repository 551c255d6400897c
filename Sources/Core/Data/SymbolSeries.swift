/// One symbol's daily history, sorted by day, stored column by column.
public struct SymbolSeries: Sendable, Equatable, Codable {
    public let symbol: String
    public var days: [Day]
    public var open: [Double]
    public var high: [Double]
    public var low: [Double]
    public var close: [Double]
    public var volume: [Double]

    public init(symbol: String, days: [Day] = [], open: [Double] = [], high: [Double] = [], low: [Double] = [],
                close: [Double] = [], volume: [Double] = []) {
        self.symbol = symbol
        self.days = days
        self.open = open
        self.high = high
        self.low = low
        self.close = close
        self.volume = volume
    }

    /// An empty series with room for `rows` rows.
    public init(symbol: String, reserving rows: Int) {
        self.init(symbol: symbol)
        guard rows > 0 else { return }
        days.reserveCapacity(rows); open.reserveCapacity(rows); high.reserveCapacity(rows)
        low.reserveCapacity(rows); close.reserveCapacity(rows); volume.reserveCapacity(rows)
    }

    public var count: Int { days.count }

    /// Appends one day's row.
    public mutating func append(day: Day, open o: Double, high h: Double, low l: Double, close c: Double,
                                volume v: Double) {
        days.append(day); open.append(o); high.append(h); low.append(l); close.append(c); volume.append(v)
    }

    public mutating func append(_ b: Bar) {
        days.append(b.day); open.append(b.open); high.append(b.high); low.append(b.low)
        close.append(b.close); volume.append(b.volume)
    }

    /// Appends another series' rows (of later days) after these.
    public mutating func append(contentsOf later: SymbolSeries) {
        days += later.days; open += later.open; high += later.high; low += later.low
        close += later.close; volume += later.volume
    }

    /// Rows up to and including `day` (binary search; history is sorted).
    public func prefix(through day: Day) -> SymbolSeries {
        var lo = 0, hi = days.count
        while lo < hi { let m = (lo + hi) / 2; if days[m] <= day { lo = m + 1 } else { hi = m } }
        return slice(0..<lo)
    }

    /// The last `k` rows (all of them when there are fewer).
    public func suffix(_ k: Int) -> SymbolSeries { slice(max(0, count - k)..<count) }

    public func slice(_ r: Range<Int>) -> SymbolSeries {
        SymbolSeries(symbol: symbol, days: Array(days[r]), open: Array(open[r]), high: Array(high[r]),
                     low: Array(low[r]), close: Array(close[r]), volume: Array(volume[r]))
    }

    /// Keeps only the rows of `range`'s days, in place (history is sorted).
    public mutating func keep(_ range: ClosedRange<Day>) {
        let hi = days.firstIndex { $0 > range.upperBound } ?? days.count
        let lo = days[..<hi].firstIndex { $0 >= range.lowerBound } ?? hi
        guard lo > 0 || hi < days.count else { return }
        let n = days.count
        days.removeSubrange(hi..<n); days.removeSubrange(0..<lo)
        open.removeSubrange(hi..<n); open.removeSubrange(0..<lo)
        high.removeSubrange(hi..<n); high.removeSubrange(0..<lo)
        low.removeSubrange(hi..<n); low.removeSubrange(0..<lo)
        close.removeSubrange(hi..<n); close.removeSubrange(0..<lo)
        volume.removeSubrange(hi..<n); volume.removeSubrange(0..<lo)
    }

    /// Index of `day`, if the symbol traded that day.
    public func index(of day: Day) -> Int? {
        var lo = 0, hi = days.count
        while lo < hi { let m = (lo + hi) / 2; if days[m] < day { lo = m + 1 } else { hi = m } }
        return lo < days.count && days[lo] == day ? lo : nil
    }

    /// Sorts rows by day (stable) — needed only when files arrived out of order.
    public mutating func sortByDay() {
        guard zip(days, days.dropFirst()).contains(where: { $0 > $1 }) else { return }
        let order = days.indices.sorted { days[$0] < days[$1] }
        days = order.map { days[$0] }; open = order.map { open[$0] }; high = order.map { high[$0] }
        low = order.map { low[$0] }; close = order.map { close[$0] }; volume = order.map { volume[$0] }
    }
}

/// Every symbol's history, built from daily files.
public struct MarketHistory: Sendable {
    public var series: [String: SymbolSeries] = [:]
    public var rejects: [RejectedRow] = []
    public var anomalies: [Anomaly] = []
    public var fileErrors: [DataFileError] = []

    public init() {}

    /// Symbols in sorted order.
    public var symbols: [String] { series.keys.sorted() }

    public mutating func add(_ file: DailyFile) {
        for b in file.bars { series[b.symbol, default: SymbolSeries(symbol: b.symbol)].append(b) }
        rejects += file.rejects
        anomalies += file.anomalies
    }

    /// Loads every daily file under `paths`. A file that cannot be read is recorded in
    /// `fileErrors` and the others still load.
    public static func load(_ paths: [String], parser: DailyFileParser = DailyFileParser()) throws -> MarketHistory {
        var h = MarketHistory()
        for path in try DailyFiles.list(paths) {
            do { h.add(try parser.parse(path: path)) } catch let e as DataFileError { h.fileErrors.append(e) }
        }
        for k in h.series.keys { h.series[k]!.sortByDay() }
        return h
    }
}
