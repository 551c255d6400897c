import ClosebellCore
import Foundation

/// The message contract between coordinator and workers, version 1.
///
/// Every body starts with the magic bytes `CB`, the protocol version and the message kind, so a
/// worker can refuse (dead-letter with a reason) anything it does not understand.
public enum WireFormat {
    public static let version: UInt8 = 1
    static let magic: (UInt8, UInt8) = (0x43, 0x42)  // "CB"

    /// The kinds of message.
    public enum Kind: UInt8, Sendable {
        case chunk = 1, result = 2, cancel = 3
        public var typeName: String { ["", "chunk", "result", "cancel"][Int(rawValue)] }
    }

    static func header(_ w: inout BinaryWriter, _ kind: Kind) {
        w.u8(magic.0); w.u8(magic.1); w.u8(version); w.u8(kind.rawValue)
    }

    /// Reads and checks the header; returns the kind.
    public static func kind(of body: [UInt8]) throws -> Kind {
        guard body.count >= 4 else { throw MessageDecodingError("\(body.count)-byte body is too short for a Closebell message") }
        guard body[0] == magic.0, body[1] == magic.1 else { throw MessageDecodingError("not a Closebell message (bad magic bytes)") }
        guard body[2] == version else {
            throw MessageDecodingError("unknown protocol version \(body[2]) (this build speaks version \(version))")
        }
        guard let k = Kind(rawValue: body[3]) else { throw MessageDecodingError("unknown message kind \(body[3])") }
        return k
    }

    static func reader(_ body: [UInt8], expecting kind: Kind) throws -> BinaryReader {
        let k = try WireFormat.kind(of: body)
        guard k == kind else { throw MessageDecodingError("expected a \(kind.typeName) message, got \(k.typeName)") }
        var r = BinaryReader(body)
        _ = try r.u32()
        return r
    }
}

/// A chunk of work: a run's symbols with the history window each needs. Self-contained:
/// workers never read the database.
public struct ChunkMessage: Sendable, Equatable, Codable {
    public var runId: Int64
    public var chunkNo: Int
    public var attempt: Int
    public var asOf: Day
    /// The model store folder workers read models from (a shared volume in compose).
    public var modelStore: String
    /// Weekdays the market trades (0 = Sunday), for the target date.
    public var tradingWeekdays: [Int]
    public var series: [SymbolSeries]

    public init(runId: Int64, chunkNo: Int, attempt: Int, asOf: Day, modelStore: String, tradingWeekdays: [Int], series: [SymbolSeries]) {
        self.runId = runId
        self.chunkNo = chunkNo
        self.attempt = attempt
        self.asOf = asOf
        self.modelStore = modelStore
        self.tradingWeekdays = tradingWeekdays
        self.series = series
    }

    /// `run-<id>-chunk-<n>-a<attempt>`.
    public var messageId: String { "run-\(runId)-chunk-\(chunkNo)-a\(attempt)" }

    public func encode() -> [UInt8] {
        var w = BinaryWriter(capacity: 64 + series.count * (series.first.map { $0.count * 44 + 24 } ?? 0))
        WireFormat.header(&w, .chunk)
        w.i64(runId); w.u32(UInt32(chunkNo)); w.u16(UInt16(clamping: attempt)); w.i32(asOf.daysSinceEpoch)
        w.string(modelStore)
        w.u8(UInt8(tradingWeekdays.count)); for d in tradingWeekdays { w.u8(UInt8(d)) }
        w.u32(UInt32(series.count))
        for s in series {
            w.string(s.symbol); w.days(s.days)
            w.doubles(s.open); w.doubles(s.high); w.doubles(s.low); w.doubles(s.close); w.doubles(s.volume)
        }
        return w.bytes
    }

    public static func decode(_ body: [UInt8]) throws -> ChunkMessage {
        var r = try WireFormat.reader(body, expecting: .chunk)
        let runId = try r.i64("run id"), chunkNo = Int(try r.u32("chunk number")), attempt = Int(try r.u16("attempt"))
        let asOf = Day(daysSinceEpoch: try r.i32("as-of date"))
        let store = try r.string("model store")
        let nw = Int(try r.u8("weekday count"))
        var weekdays: [Int] = []
        for _ in 0..<nw { weekdays.append(Int(try r.u8("weekday"))) }
        let n = try r.count("series")
        var series: [SymbolSeries] = []
        series.reserveCapacity(n)
        for _ in 0..<n {
            let sym = try r.string("symbol")
            let days = try r.days("days")
            let cols = try (0..<5).map { _ in try r.doubles("prices") }
            guard cols.allSatisfy({ $0.count == days.count }) else { throw MessageDecodingError("series \(sym): column lengths differ") }
            series.append(SymbolSeries(symbol: sym, days: days, open: cols[0], high: cols[1], low: cols[2], close: cols[3], volume: cols[4]))
        }
        guard r.atEnd else { throw MessageDecodingError("\(body.count - r.offset) trailing bytes after chunk") }
        return ChunkMessage(runId: runId, chunkNo: chunkNo, attempt: attempt, asOf: asOf, modelStore: store, tradingWeekdays: weekdays, series: series)
    }
}

/// What a worker reports for a chunk: each symbol's prediction or failure, and timings.
public struct ResultMessage: Sendable, Equatable, Codable {
    public struct Item: Sendable, Equatable, Codable {
        public var symbol: String
        public var value: Double
        public var target: Day
        public var model: ModelIdentity
        public init(symbol: String, value: Double, target: Day, model: ModelIdentity) {
            self.symbol = symbol
            self.value = value
            self.target = target
            self.model = model
        }
    }

    public struct Failure: Sendable, Equatable, Codable {
        public var symbol: String
        public var stage: String
        public var error: String
        public init(symbol: String, stage: String, error: String) {
            self.symbol = symbol
            self.stage = stage
            self.error = error
        }
    }

    public var runId: Int64
    public var chunkNo: Int
    public var attempt: Int
    public var asOf: Day
    public var worker: String
    public var computeMicros: Int64
    public var predictions: [Item]
    public var failures: [Failure]

    public init(runId: Int64, chunkNo: Int, attempt: Int, asOf: Day, worker: String, computeMicros: Int64, predictions: [Item], failures: [Failure]) {
        self.runId = runId
        self.chunkNo = chunkNo
        self.attempt = attempt
        self.asOf = asOf
        self.worker = worker
        self.computeMicros = computeMicros
        self.predictions = predictions
        self.failures = failures
    }

    public var messageId: String { "result-\(runId)-\(chunkNo)-a\(attempt)" }

    public func encode() -> [UInt8] {
        var w = BinaryWriter(capacity: 128 + predictions.count * 120)
        WireFormat.header(&w, .result)
        w.i64(runId); w.u32(UInt32(chunkNo)); w.u16(UInt16(clamping: attempt)); w.i32(asOf.daysSinceEpoch)
        w.string(worker); w.i64(computeMicros)
        w.u32(UInt32(predictions.count))
        for p in predictions {
            w.string(p.symbol); w.f64(p.value); w.i32(p.target.daysSinceEpoch)
            w.u8(UInt8(ModelKind.allCases.firstIndex(of: p.model.kind)!))
            w.optionalString(p.model.path); w.optionalString(p.model.hash)
        }
        w.u32(UInt32(failures.count))
        for f in failures { w.string(f.symbol); w.string(f.stage); w.string(f.error) }
        return w.bytes
    }

    public static func decode(_ body: [UInt8]) throws -> ResultMessage {
        var r = try WireFormat.reader(body, expecting: .result)
        let runId = try r.i64("run id"), chunkNo = Int(try r.u32("chunk number")), attempt = Int(try r.u16("attempt"))
        let asOf = Day(daysSinceEpoch: try r.i32("as-of date"))
        let worker = try r.string("worker"), micros = try r.i64("compute time")
        let np = try r.count("predictions")
        var preds: [Item] = []
        preds.reserveCapacity(np)
        for _ in 0..<np {
            let sym = try r.string("symbol"), v = try r.f64("value"), t = Day(daysSinceEpoch: try r.i32("target"))
            let k = Int(try r.u8("model kind"))
            guard k < ModelKind.allCases.count else { throw MessageDecodingError("unknown model kind \(k)") }
            let path = try r.optionalString("model path"), hash = try r.optionalString("model hash")
            preds.append(Item(symbol: sym, value: v, target: t, model: ModelIdentity(kind: ModelKind.allCases[k], path: path, hash: hash)))
        }
        let nf = try r.count("failures")
        var fails: [Failure] = []
        for _ in 0..<nf { fails.append(Failure(symbol: try r.string("symbol"), stage: try r.string("stage"), error: try r.string("error"))) }
        guard r.atEnd else { throw MessageDecodingError("\(body.count - r.offset) trailing bytes after result") }
        return ResultMessage(runId: runId, chunkNo: chunkNo, attempt: attempt, asOf: asOf, worker: worker, computeMicros: micros, predictions: preds, failures: fails)
    }
}

/// Tells every worker to skip the chunks of a cancelled run.
public struct CancelMessage: Sendable, Equatable {
    public var runId: Int64
    public init(runId: Int64) { self.runId = runId }

    public func encode() -> [UInt8] {
        var w = BinaryWriter()
        WireFormat.header(&w, .cancel)
        w.i64(runId)
        return w.bytes
    }

    public static func decode(_ body: [UInt8]) throws -> CancelMessage {
        var r = try WireFormat.reader(body, expecting: .cancel)
        return CancelMessage(runId: try r.i64("run id"))
    }
}
