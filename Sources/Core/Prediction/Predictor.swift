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
    public func predict(_ series: SymbolSeries, days: [Day]) -> [Result<Prediction, SymbolFailure>] {
        var choice: Result<ModelChoice, SymbolFailure>?
        return days.map { day in
            guard let last = series.index(of: day) else {
                return .failure(SymbolFailure(stage: "data", error: "no row for \(series.symbol) on \(day)"))
            }
            let s = series.slice(max(0, last + 1 - window)..<(last + 1))
            let m = engine.compute(s)
            let r = m.rowCount - 1
            guard m.isComplete(row: r) else {
                let missing = (0..<m.columnCount).filter { m.value(row: r, column: $0).isNaN }.map { m.names[$0] }
                // Fewer rows than the features look back over: a young listing, skipped. With the
                // whole look-back present, undefined features (0/0 on flat prices) are a failure.
                let young = last + 1 < engine.window
                return .failure(SymbolFailure(stage: "features",
                    error: "\(young ? "insufficient history" : "features undefined"): \(last + 1) rows up to \(day); "
                        + "\(missing.joined(separator: ", ")) undefined", skipped: young))
            }
            if choice == nil {
                choice = Result { try store.resolve(symbol: series.symbol) }
                    .mapError { SymbolFailure(stage: "model", error: "\($0)") }
            }
            let target = calendar.nextTradingDay(after: day)
            switch choice! {
            case .failure(let f):
                return .failure(f)
            case .success(.fallback):
                let v = Predictor.fallback(close: s.close)
                return .success(Prediction(symbol: series.symbol, asOf: day, target: target, value: v, model: .fallback))
            case .success(.model(let lm)):
                let v = m.row(r).withUnsafeBufferPointer { lm.predict(row: $0) }
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
