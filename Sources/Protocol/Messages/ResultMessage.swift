import ClosebellCore

/// What a worker reports for a chunk: each symbol's prediction or failure, and timings.
public struct ResultMessage: Sendable, Equatable, Codable {
    /// One symbol's prediction for one day.
    public struct Item: Sendable, Equatable, Codable {
        public var symbol: String
        /// The day predicted (the as-of day of a daily run).
        public var day: Day
        public var value: Double
        public var target: Day
        public var model: ModelIdentity
        public init(symbol: String, day: Day, value: Double, target: Day, model: ModelIdentity) {
            self.symbol = symbol
            self.day = day
            self.value = value
            self.target = target
            self.model = model
        }
    }

    /// One symbol that got no prediction for a day: the stage and the reason.
    public struct Failure: Sendable, Equatable, Codable {
        public var symbol: String
        public var day: Day
        public var stage: String
        public var error: String
        public init(symbol: String, day: Day, stage: String, error: String) {
            self.symbol = symbol
            self.day = day
            self.stage = stage
            self.error = error
        }
    }

    /// One symbol skipped for a day as expected (too little history yet), with the reason.
    public struct Skip: Sendable, Equatable, Codable {
        public var symbol: String
        public var day: Day
        public var reason: String
        public init(symbol: String, day: Day, reason: String) {
            self.symbol = symbol
            self.day = day
            self.reason = reason
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
    public var skips: [Skip]

    public init(runId: Int64, chunkNo: Int, attempt: Int, asOf: Day, worker: String, computeMicros: Int64,
                predictions: [Item], failures: [Failure], skips: [Skip] = []) {
        self.runId = runId
        self.chunkNo = chunkNo
        self.attempt = attempt
        self.asOf = asOf
        self.worker = worker
        self.computeMicros = computeMicros
        self.predictions = predictions
        self.failures = failures
        self.skips = skips
    }

    /// Every symbol the result accounts for, predicted, failed or skipped, in that order.
    public var symbols: [String] { predictions.map(\.symbol) + failures.map(\.symbol) + skips.map(\.symbol) }

    public var messageId: String { "result-\(runId)-\(chunkNo)-a\(attempt)" }

    public func encode() -> [UInt8] {
        var w = BinaryWriter(capacity: 128 + predictions.count * 120)
        WireFormat.header(&w, .result)
        w.i64(runId); w.u32(UInt32(chunkNo)); w.u16(UInt16(clamping: attempt)); w.i32(asOf.daysSinceEpoch)
        w.string(worker); w.i64(computeMicros)
        w.u32(UInt32(predictions.count))
        for p in predictions {
            w.string(p.symbol); w.i32(p.day.daysSinceEpoch); w.f64(p.value); w.i32(p.target.daysSinceEpoch)
            w.u8(UInt8(ModelKind.allCases.firstIndex(of: p.model.kind)!))
            w.optionalString(p.model.path); w.optionalString(p.model.hash)
        }
        w.u32(UInt32(failures.count))
        for f in failures { w.string(f.symbol); w.i32(f.day.daysSinceEpoch); w.string(f.stage); w.string(f.error) }
        w.u32(UInt32(skips.count))
        for k in skips { w.string(k.symbol); w.i32(k.day.daysSinceEpoch); w.string(k.reason) }
        return w.bytes
    }

    /// Decodes a result, checking every field's type and range. Whether it matches its chunk
    /// (the symbols, the model store) is the coordinator's check, against the ledger.
    public static func decode(_ body: [UInt8]) throws -> ResultMessage {
        var r = try WireFormat.reader(body, expecting: .result)
        let (runId, chunkNo, attempt) = try MessageFields.identity(&r)
        let asOf = try r.day("as-of date")
        let worker = try r.string("worker", maxBytes: 256), micros = try r.i64("compute time")
        let np = try r.count("predictions", max: 1_000_000)
        var preds: [Item] = []
        preds.reserveCapacity(min(np, (body.count - r.offset) / 18))
        var model: ModelIdentity?  // the previous prediction's: most name the same file
        for i in 0..<np {
            let sym = try r.string("symbol of prediction \(i)", maxBytes: RawText.symbolLimit)
            let day = try r.day("day of \(sym)")
            let v = try r.f64("value"), t = try r.day("target of \(sym)")
            let k = Int(try r.u8("model kind"))
            guard k < ModelKind.allCases.count else { throw MessageDecodingError("unknown model kind \(k)") }
            let path = try r.optionalString("model path", maxBytes: 4096, reusing: model?.path)
            let hash = try r.optionalString("model hash", maxBytes: 128, reusing: model?.hash)
            let m = ModelIdentity(kind: ModelKind.allCases[k], path: path, hash: hash)
            preds.append(Item(symbol: sym, day: day, value: v, target: t, model: m))
            model = m
        }
        let nf = try r.count("failures", max: 1_000_000)
        var fails: [Failure] = []
        fails.reserveCapacity(min(nf, (body.count - r.offset) / 12))
        for i in 0..<nf {
            fails.append(Failure(symbol: try r.string("symbol of failure \(i)", maxBytes: RawText.symbolLimit),
                                 day: try r.day("day of failure \(i)"),
                                 stage: try r.string("stage", maxBytes: 64), error: try r.string("error", maxBytes: 65_536)))
        }
        let nk = try r.count("skips", max: 1_000_000)
        var skips: [Skip] = []
        skips.reserveCapacity(min(nk, (body.count - r.offset) / 8))
        for i in 0..<nk {
            skips.append(Skip(symbol: try r.string("symbol of skip \(i)", maxBytes: RawText.symbolLimit),
                              day: try r.day("day of skip \(i)"), reason: try r.string("reason", maxBytes: 65_536)))
        }
        guard r.atEnd else { throw MessageDecodingError("\(body.count - r.offset) trailing bytes after result") }
        return ResultMessage(runId: runId, chunkNo: chunkNo, attempt: attempt, asOf: asOf, worker: worker,
                             computeMicros: micros, predictions: preds, failures: fails, skips: skips)
    }
}
