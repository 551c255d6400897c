import Foundation

/// A small deterministic random generator (SplitMix64), so sample data is the same for a seed.
public struct SplitMix64: RandomNumberGenerator, Sendable {
    private var state: UInt64
    public init(seed: UInt64) { state = seed &+ 0x9E37_79B9_7F4A_7C15 }
    public mutating func next() -> UInt64 {
        state = state &+ 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    public mutating func uniform() -> Double { Double(next() >> 11) * 0x1p-53 }
    public mutating func gaussian() -> Double {
        let u1 = max(uniform(), 1e-300), u2 = uniform()
        return (-2 * log(u1)).squareRoot() * cos(2 * .pi * u2)
    }
}

/// Writes realistic synthetic daily files: random-walk prices on a Sunday–Thursday calendar,
/// late listings, trading halts (missing days and flat zero-volume days), messy OHLC ranges
/// (Open outside [Low, High] on about one row in ten, as in real NEPSE data) and a few
/// malformed rows that ingestion must reject.
public struct SampleDataGenerator: Sendable {
    public var symbols: Int
    public var days: Int
    public var seed: UInt64
    public var market: String
    public var end: Day
    public var calendar: TradingCalendar
    /// Malformed rows per file, on average.
    public var malformedPerFile: Double
    /// Late listings and trading gaps (symbols with little history). On by default.
    public var youngSymbols = true

    public init(symbols: Int, days: Int, seed: UInt64 = 42, market: String,
                end: Day = Day(year: 2025, month: 6, day: 26)!, calendar: TradingCalendar, malformedPerFile: Double = 0.5) {
        self.symbols = symbols
        self.days = days
        self.seed = seed
        self.market = market
        self.end = end
        self.calendar = calendar
        self.malformedPerFile = malformedPerFile
    }

    /// The trading days, oldest first, ending on or before `end`.
    public var tradingDays: [Day] {
        var out: [Day] = []
        var d = end
        while out.count < days {
            if calendar.isTradingDay(d) { out.append(d) }
            d = d.adding(days: -1)
        }
        return out.reversed()
    }

    /// Symbol names: four or five capital letters, unique per index.
    public static func symbolName(_ i: Int) -> String {
        var n = i, s = ""
        for _ in 0..<4 { s = String(UnicodeScalar(UInt8(65 + n % 26))) + s; n /= 26 }
        return n > 0 ? String(UnicodeScalar(UInt8(65 + n % 26))) + s : s
    }

    struct SymbolState {
        var name: String
        var listFrom: Int
        var price: Double
        var vol: Double
        var haltFrom: Int
        var haltLen: Int
        var haltFlat: Bool
    }

    /// Writes one file per trading day into `folder`; returns the paths written.
    @discardableResult
    public func write(to folder: String) throws -> [String] {
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        var rng = SplitMix64(seed: seed)
        let dayList = tradingDays
        var states: [SymbolState] = (0..<symbols).map { i in
            let late = rng.uniform() < 0.15 && youngSymbols
            let halted = rng.uniform() < 0.05
            return SymbolState(
                name: SampleDataGenerator.symbolName(i),
                listFrom: late ? Int(rng.uniform() * Double(dayList.count) * 0.6) : 0,
                price: (100 + rng.uniform() * 1900).rounded(),
                vol: 0.008 + rng.uniform() * 0.025,
                haltFrom: halted ? Int(rng.uniform() * Double(dayList.count)) : Int.max,
                haltLen: 5 + Int(rng.uniform() * 15),
                haltFlat: rng.uniform() < 0.5 || !youngSymbols)
        }
        var paths: [String] = []
        var line = [UInt8]()
        for (di, day) in dayList.enumerated() {
            var out = [UInt8]()
            out.reserveCapacity(symbols * 60)
            out.append(contentsOf: Array("Date,Symbol,Open,High,Low,Close,Volume\n".utf8))
            let date = day.description
            var written: [String] = []
            for i in 0..<states.count {
                var s = states[i]
                defer { states[i] = s }
                guard di >= s.listFrom else { continue }
                let inHalt = di >= s.haltFrom && di < s.haltFrom + s.haltLen
                if inHalt && !s.haltFlat { continue }  // no trading at all
                let prev = s.price
                var open = prev, close = prev, high = prev, low = prev, volume = 0.0
                if !inHalt {
                    let r = 0.0003 + s.vol * rng.gaussian()
                    close = max(1, (prev * exp(r) * 100).rounded() / 100)
                    open = max(1, (prev * exp(s.vol * 0.3 * rng.gaussian()) * 100).rounded() / 100)
                    high = (max(open, close) * (1 + abs(rng.gaussian()) * s.vol * 0.5) * 100).rounded() / 100
                    low = max(0.5, (min(open, close) * (1 - abs(rng.gaussian()) * s.vol * 0.5) * 100).rounded() / 100)
                    let messy = rng.uniform()
                    if messy < 0.10 { open = (open * (messy < 0.05 ? 1.02 : 0.98) * 100).rounded() / 100; if open <= high && open >= low { open = high + 0.5 } }
                    else if messy < 0.102 { swap(&high, &low) }
                    else if messy < 0.104 { close = high + 1 }
                    volume = (exp(8 + 1.5 * rng.gaussian())).rounded()
                    s.price = close
                }
                line.removeAll(keepingCapacity: true)
                line.append(contentsOf: Array(date.utf8)); line.append(0x2C)
                line.append(contentsOf: Array(s.name.utf8)); line.append(0x2C)
                for v in [open, high, low, close] { SampleDataGenerator.appendCents(v, &line); line.append(0x2C) }
                line.append(contentsOf: Array(String(Int(volume)).utf8)); line.append(0x0A)
                out.append(contentsOf: line)
                written.append(s.name)
            }
            // A few malformed rows, of the kinds ingestion must reject.
            var bad = malformedPerFile
            while bad > 0, !written.isEmpty {
                if rng.uniform() >= bad { break }
                bad -= 1
                let sym = written[Int(rng.uniform() * Double(written.count))]
                let kinds = [
                    "\(date),\(sym),12.5,13,12,12a.5,100",      // unparsable Close (also a duplicate)
                    "\(date),\(sym)X,10,11,9,10.5",             // missing field
                    "\(date),\(sym)Y,10,11,9,,100",             // missing Close
                    "\(date),\(sym)Z,10,11,9,0,100",            // non-positive Close
                    "\(day.adding(days: -1)),\(sym)W,10,11,9,10.5,100",  // date not the file's day
                    "\(date),\(sym),10,11,9,10.5,100",          // duplicate symbol
                ]
                out.append(contentsOf: Array((kinds[Int(rng.uniform() * Double(kinds.count))] + "\n").utf8))
            }
            let path = (folder as NSString).appendingPathComponent(DailyFileName(market: market, day: day).fileName)
            try Data(out).write(to: URL(fileURLWithPath: path))
            paths.append(path)
        }
        return paths
    }

    static func appendCents(_ v: Double, _ out: inout [UInt8]) {
        let cents = Int((v * 100).rounded())
        out.append(contentsOf: Array(String(cents / 100).utf8))
        let c = cents % 100
        if c != 0 {
            out.append(0x2E)
            out.append(UInt8(48 + c / 10))
            if c % 10 != 0 { out.append(UInt8(48 + c % 10)) }
        }
    }
}
