import ClosebellCore

/// A chunk of work: a run's symbols with the history window each needs. Self-contained:
/// workers never read the database.
public struct ChunkMessage: Sendable, Equatable, Codable {
    public var runId: Int64
    public var chunkNo: Int
    public var attempt: Int
    public var asOf: Day
    /// The first day to predict: `asOf` for a daily run; a backfill predicts every day of each
    /// series from here through `asOf`, so its series hold the range plus the window before it.
    public var firstDay: Day
    /// The model store folder workers read models from (a shared volume in compose).
    public var modelStore: String
    /// Weekdays the market trades (0 = Sunday), for the target date.
    public var tradingWeekdays: [Int]
    /// The run was started with `--fallback-only`: no model store is expected, every symbol
    /// gets the fallback. Without it a missing model store fails the symbols at `model`.
    public var fallbackOnly: Bool
    public var series: [SymbolSeries]

    public init(runId: Int64, chunkNo: Int, attempt: Int, asOf: Day, modelStore: String, tradingWeekdays: [Int],
                fallbackOnly: Bool = false, firstDay: Day? = nil, series: [SymbolSeries]) {
        self.runId = runId
        self.chunkNo = chunkNo
        self.attempt = attempt
        self.asOf = asOf
        self.firstDay = firstDay ?? asOf
        self.modelStore = modelStore
        self.tradingWeekdays = tradingWeekdays
        self.fallbackOnly = fallbackOnly
        self.series = series
    }

    /// Whether this chunk predicts a range of days (a backfill), not only the as-of day.
    public var isRange: Bool { firstDay != asOf }

    /// `run-<id>-chunk-<n>-a<attempt>`.
    public var messageId: String { "run-\(runId)-chunk-\(chunkNo)-a\(attempt)" }

    public func encode() -> [UInt8] {
        var w = BinaryWriter(capacity: 64 + series.count * (series.first.map { $0.count * 16 + 40 } ?? 0))
        WireFormat.header(&w, .chunk)
        w.i64(runId); w.u32(UInt32(chunkNo)); w.u16(UInt16(clamping: attempt)); w.i32(asOf.daysSinceEpoch)
        w.i32(firstDay.daysSinceEpoch)
        w.string(modelStore)
        w.u8(UInt8(tradingWeekdays.count)); for d in tradingWeekdays { w.u8(UInt8(d)) }
        w.u8(fallbackOnly ? 1 : 0)
        w.u32(UInt32(series.count))
        for s in series {
            w.string(s.symbol); w.dayRun(s.days)
            w.column(s.open); w.column(s.high); w.column(s.low); w.column(s.close); w.column(s.volume)
        }
        return w.bytes
    }

    /// Decodes and validates a chunk; throws ``MessageDecodingError`` naming the bad field.
    public static func decode(_ body: [UInt8]) throws -> ChunkMessage {
        var r = try WireFormat.reader(body, expecting: .chunk)
        let (runId, chunkNo, attempt) = try MessageFields.identity(&r)
        let asOf = try r.day("as-of date")
        let firstDay = try r.day("first day")
        guard firstDay <= asOf, asOf.daysSinceEpoch - firstDay.daysSinceEpoch <= 36_600 else {
            throw MessageDecodingError("first day \(firstDay) must be on or before the as-of date \(asOf), within 100 years")
        }
        let store = try r.string("model store", maxBytes: 4096)
        let nw = Int(try r.u8("weekday count"))
        var weekdays: [Int] = []
        for _ in 0..<nw { weekdays.append(Int(try r.u8("weekday"))) }
        guard !weekdays.isEmpty, weekdays.allSatisfy((0...6).contains), Set(weekdays).count == weekdays.count else {
            throw MessageDecodingError("trading weekdays \(weekdays) must be distinct values in 0…6, at least one")
        }
        let flags = try r.u8("flags")
        guard flags <= 1 else { throw MessageDecodingError("unknown chunk flags \(flags)") }
        let n = try r.count("series", max: 1_000_000)
        var series: [SymbolSeries] = []
        series.reserveCapacity(min(n, (body.count - r.offset) / 28))
        var symbols = Set<String>()
        for i in 0..<n {
            let sym = try r.string("symbol \(i)", maxBytes: RawText.symbolLimit)
            guard !sym.isEmpty, symbols.insert(sym).inserted else {
                throw MessageDecodingError("symbol \(i) '\(sym)' is empty or appears twice in the chunk")
            }
            let days = try r.dayRun("days of \(sym)")
            if let last = days.last, last > asOf {
                throw MessageDecodingError("series \(sym) has a row on \(last), after the as-of date \(asOf)")
            }
            let cols = try (0..<5).map { _ in try r.column("prices of \(sym)") }
            guard cols.allSatisfy({ $0.count == days.count }) else { throw MessageDecodingError("series \(sym): column lengths differ") }
            series.append(SymbolSeries(symbol: sym, days: days, open: cols[0], high: cols[1], low: cols[2], close: cols[3], volume: cols[4]))
        }
        guard r.atEnd else { throw MessageDecodingError("\(body.count - r.offset) trailing bytes after chunk") }
        return ChunkMessage(runId: runId, chunkNo: chunkNo, attempt: attempt, asOf: asOf, modelStore: store,
                            tradingWeekdays: weekdays, fallbackOnly: flags == 1, firstDay: firstDay, series: series)
    }
}

/// Fields every chunk-related message starts with, read and checked once.
enum MessageFields {
    /// Run id (positive), chunk number (a PostgreSQL integer) and attempt (at least 1).
    static func identity(_ r: inout BinaryReader) throws -> (Int64, Int, Int) {
        let runId = try r.i64("run id")
        guard runId > 0 else { throw MessageDecodingError("run id \(runId) is not positive") }
        let chunkNo = Int(try r.u32("chunk number"))
        guard chunkNo <= Int(Int32.max) else { throw MessageDecodingError("chunk number \(chunkNo) is out of range") }
        let attempt = Int(try r.u16("attempt"))
        guard attempt >= 1 else { throw MessageDecodingError("attempt 0: attempts count from 1") }
        return (runId, chunkNo, attempt)
    }
}
