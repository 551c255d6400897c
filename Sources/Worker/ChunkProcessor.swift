import ClosebellCore
import ClosebellProtocol
import Foundation
import Synchronization

/// Turns a chunk into a result: features and inference for each symbol. A symbol that fails
/// is reported with its stage and error and never fails the chunk.
public final class ChunkProcessor: Sendable {
    public let workerId: String
    private struct Caches {
        var stores: [String: ModelStore] = [:]
        var inventories: [String: (ModelStore.Inventory, Date)] = [:]
    }
    private let caches = Mutex(Caches())

    public init(workerId: String) { self.workerId = workerId }

    /// The model store for a folder, cached so each model file is read once per worker.
    func store(_ root: String) -> ModelStore {
        caches.withLock { c in
            if let s = c.stores[root] { return s }
            let s = ModelStore(root: root)
            c.stores[root] = s
            return s
        }
    }

    /// Whether the store holds models, re-checked at most every 10 s (a folder listing).
    func inventory(_ root: String) -> ModelStore.Inventory {
        if let (inv, at) = caches.withLock({ $0.inventories[root] }), Date().timeIntervalSince(at) < 10 { return inv }
        let inv = ModelStore.inventory(root: root)
        caches.withLock { $0.inventories[root] = (inv, Date()) }
        return inv
    }

    /// Models loaded so far, over every store.
    public var cachedModels: Int { caches.withLock { $0.stores.values.reduce(0) { $0 + $1.cachedModels } } }

    /// The days a chunk asks of a series: the as-of day (daily), or each day of the series from
    /// the chunk's first day on (a backfill predicts the days a symbol traded).
    func days(of s: SymbolSeries, in chunk: ChunkMessage) -> [Day] {
        guard chunk.isRange else { return [chunk.asOf] }
        return s.days.filter { $0 >= chunk.firstDay && $0 <= chunk.asOf }
    }

    public func process(_ chunk: ChunkMessage) -> ResultMessage {
        let started = DispatchTime.now().uptimeNanoseconds
        let calendar = TradingCalendar(weekdays: Set(chunk.tradingWeekdays))  // validated non-empty at decoding
        let predictor = Predictor(store: store(chunk.modelStore), calendar: calendar)
        var items: [ResultMessage.Item] = []
        var failures: [ResultMessage.Failure] = []
        var skips: [ResultMessage.Skip] = []
        items.reserveCapacity(chunk.series.count)
        // Without a model store (unless the run is fallback-only) every symbol would silently get
        // the fallback: fail them at `model` with the reason instead.
        let inv = chunk.fallbackOnly ? .models : inventory(chunk.modelStore)
        if inv != .models {
            let why = "model store \(chunk.modelStore) \(inv == .missing ? "does not exist" : "holds no model") on worker \(workerId)"
            failures = chunk.series.flatMap { s in days(of: s, in: chunk).map { .init(symbol: s.symbol, day: $0, stage: "model", error: why) } }
        }
        // Each day from its own window of rows, as a daily run computes it: a backfill's
        // predictions equal the daily runs' and `worker predict`'s to the last bit.
        let resolver = predictor.store.resolver()  // the store's folders listed once per chunk
        for s in chunk.series where inv == .models {
            let days = days(of: s, in: chunk)
            for (day, outcome) in zip(days, predictor.predict(s, days: days, resolver: resolver)) {
                switch outcome {
                case .success(let p):
                    items.append(.init(symbol: p.symbol, day: day, value: p.value, target: p.target, model: p.model))
                case .failure(let f) where f.skipped:
                    skips.append(.init(symbol: s.symbol, day: day, reason: f.error))
                case .failure(let f):
                    failures.append(.init(symbol: s.symbol, day: day, stage: f.stage, error: f.error))
                }
            }
        }
        let micros = Int64((DispatchTime.now().uptimeNanoseconds - started) / 1000)
        return ResultMessage(runId: chunk.runId, chunkNo: chunk.chunkNo, attempt: chunk.attempt, asOf: chunk.asOf,
                             worker: workerId, computeMicros: micros, predictions: items, failures: failures, skips: skips)
    }
}
