/// One symbol's prediction for an as-of day.
public struct Prediction: Sendable, Equatable, Codable {
    public let symbol: String
    public let asOf: Day
    public let target: Day
    public let value: Double
    public let model: ModelIdentity
    public var isFallback: Bool { model.kind == .fallback }
}

/// Why a symbol got no prediction: the stage that failed and the reason.
public struct SymbolFailure: Error, Sendable, Equatable, Codable, CustomStringConvertible {
    /// `data`, `features`, `model` or `predict`.
    public let stage: String
    public let error: String
    /// Expected, not an error: the symbol has too little history for its features yet (a new
    /// listing). Runs count it as skipped, apart from failures (SPEC §4).
    public let skipped: Bool
    public init(stage: String, error: String, skipped: Bool = false) {
        self.stage = stage
        self.error = error
        self.skipped = skipped
    }
    public var description: String { "\(skipped ? "skipped" : stage): \(error)" }
}

/// Features and inference for one symbol at a time: the worker's brain, usable offline.
public struct Predictor: Sendable {
    public let engine: FeatureEngine
    public let store: ModelStore
    public let calendar: TradingCalendar
    /// Returns averaged by the fallback.
    public static let fallbackWindow = 20

    public init(store: ModelStore, engine: FeatureEngine = FeatureEngine(), calendar: TradingCalendar) {
        self.engine = engine
        self.store = store
        self.calendar = calendar
    }

    /// Rows of history a prediction needs (features' look-back, and the fallback's 20 returns).
    public var window: Int { max(engine.window, Predictor.fallbackWindow + 1) }

    /// Predicts `series.symbol` as of `day` from its history up to that day. The series may
    /// hold only the last ``window`` rows.
    public func predict(_ series: SymbolSeries, asOf day: Day) -> Result<Prediction, SymbolFailure> {
        predict(series, days: [day])[0]
    }

    /// Predicts `series.symbol` for each of `days`, each from its own window of rows (exactly as
    /// a daily run of that day would), resolving the symbol's model once.
    /// `resolver`: the chunk's (``ModelStore/resolver()``), else the store resolves the symbol.
    public func predict(_ series: SymbolSeries, days: [Day],
                        resolver: ModelStore.Resolver? = nil) -> [Result<Prediction, SymbolFailure>] {
        var choice: Result<ModelChoice, SymbolFailure>?
        // Each day's window is computed in place into these (what a daily run computes from the
        // window's rows alone): no copy of the rows, no allocation per day.
        let m = engine.features.count, rows = min(window, series.count)
        let returns = UnsafeMutableBufferPointer<Double>.allocate(capacity: max(1, rows))
        let columns = UnsafeMutableBufferPointer<Double>.allocate(capacity: max(1, rows * m))
        let row = UnsafeMutableBufferPointer<Double>.allocate(capacity: max(1, m))
        defer { returns.deallocate(); columns.deallocate(); row.deallocate() }
        return days.map { day in
            guard let last = series.index(of: day) else {
                return .failure(SymbolFailure(stage: "data", error: "no row for \(series.symbol) on \(day)"))
            }
            let first = max(0, last + 1 - window), n = last + 1 - first
            engine.compute(series, rows: first..<(last + 1), returns: returns, into: columns)
            for j in 0..<m { row[j] = columns[j * n + n - 1] }
            guard !row[0..<m].contains(where: \.isNaN) else {
                let missing = (0..<m).filter { row[$0].isNaN }.map { engine.features[$0].name }
                // Fewer rows than the features look back over: a young listing, skipped. With the
                // whole look-back present, undefined features (0/0 on flat prices) are a failure.
                let young = last + 1 < engine.window
                return .failure(SymbolFailure(stage: "features",
                    error: "\(young ? "insufficient history" : "features undefined"): \(last + 1) rows up to \(day); "
                        + "\(missing.joined(separator: ", ")) undefined", skipped: young))
            }
            if choice == nil {
                choice = Result { try resolver?.resolve(symbol: series.symbol) ?? store.resolve(symbol: series.symbol) }
                    .mapError { SymbolFailure(stage: "model", error: "\($0)") }
            }
            let target = calendar.nextTradingDay(after: day)
            switch choice! {
            case .failure(let f):
                return .failure(f)
            case .success(.fallback):
                let v = Predictor.fallback(close: Array(series.close[first...last]))
                return .success(Prediction(symbol: series.symbol, asOf: day, target: target, value: v, model: .fallback))
            case .success(.model(let lm)):
                let v = lm.predict(row: UnsafeBufferPointer(rebasing: row[0..<m]))
                guard v.isFinite else {
                    return .failure(SymbolFailure(stage: "predict", error: "model \(lm.identity.path ?? "?") produced \(v)"))
                }
                return .success(Prediction(symbol: series.symbol, asOf: day, target: target, value: v, model: lm.identity))
            }
        }
    }

    /// Mean of the last 20 returns (`Return.tail(20).mean()`, NaN skipped).
    public static func fallback(close: [Double]) -> Double {
        let n = close.count
        guard n >= 2 else { return .nan }
        var sum = 0.0, count = 0
        for i in max(1, n - fallbackWindow)..<n {
            sum += (close[i] / close[i - 1] - 1) * 100
            count += 1
        }
        return sum / Double(count)
    }
}
