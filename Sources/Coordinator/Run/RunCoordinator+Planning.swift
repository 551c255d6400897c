import ClosebellCore
import ClosebellStorage

extension RunCoordinator {
    /// Resumes the date's unfinished run (with the settings it was started with), or plans a
    /// new one: checks the model store, chooses the symbols, splits them into chunks.
    func planOrResume(_ db: ReconnectingPGConnection, consumers: () -> Int?) throws -> Int64 {
        let market = request.market, asOf = request.asOf, first = request.firstDay
        if let active = try db.ledger({ try $0.resumableRun(market: market, asOf: asOf, firstDay: first) }) {
            if active.status == .failed {
                try db.ledger { try $0.reopen(active.id) }
                say("run \(active.id) had failed (\(active.error ?? "?")); resuming it")
            }
            if let stored = RunRequest.stored(active.config) {
                let ignored = stored.differences(from: request)
                request = stored
                if !ignored.isEmpty {
                    say("resuming run \(active.id) with its original settings; ignoring \(ignored.joined(separator: ", "))")
                }
            }
            say("resuming run \(active.id) for \(market) \(request.daysDescription): \(active.processed) of \(active.total) "
                + "\(request.isBackfill ? "entries" : "symbols") already processed")
            return active.id
        }
        try checkModelStore()
        if let first { return try planBackfill(db, from: first, consumers: consumers) }
        let onDay = try db.market { try $0.symbols(market: market, on: asOf) }
        var symbols = request.symbols ?? onDay
        if request.onlyUnpredicted {
            symbols = try db.market { try $0.unpredicted(symbols, market: market, on: asOf) }
        }
        if request.chunkSize == 0 { request.chunkSize = RunPlan.chunkSize(symbols: symbols.count, consumers: consumers()) }
        return try create(db, chunks: onDay.isEmpty ? [] : RunPlan.chunks(symbols, chunkSize: request.chunkSize), items: nil,
                          noData: onDay.isEmpty ? "no data for \(market) \(asOf): was the day's file ingested?" : nil,
                          nothingLeft: "every symbol already has a prediction")
    }

    /// Creates the planned run — or finds it, when a retried insert had committed before the
    /// connection dropped — and closes it at once (failed) when there is no data.
    func create(_ db: ReconnectingPGConnection, chunks: [[String]], items: [Int]?, noData: String?,
                nothingLeft: String) throws -> Int64 {
        let market = request.market, asOf = request.asOf, first = request.firstDay
        let id = try db.ledger { ledger in
            if let active = try ledger.resumableRun(market: market, asOf: asOf, firstDay: first) { return active.id }
            return try ledger.createRun(market: market, asOf: asOf, firstDay: first, chunks: chunks, items: items,
                                        config: request.json, parent: request.parentRunId, coordinator: options.coordinatorId)
        }
        if let noData {
            say(noData)
            _ = try db.ledger { try $0.finish(id, error: noData) }
        } else if chunks.isEmpty {
            say("nothing to predict for \(market) \(request.daysDescription): \(nothingLeft)")
        }
        return id
    }

    /// A backfill: every symbol with rows in the range (or those asked for), in chunks of symbols;
    /// each chunk accounts for its symbols' trading days in the range.
    func planBackfill(_ db: ReconnectingPGConnection, from first: Day, consumers: () -> Int?) throws -> Int64 {
        let market = request.market, asOf = request.asOf
        let counts = try db.market { try $0.tradingDayCounts(market: market, from: first, through: asOf, symbols: request.symbols) }
        let days = Dictionary(counts.map { ($0.symbol, $0.days) }, uniquingKeysWith: +)
        var symbols = counts.map(\.symbol)
        if request.onlyUnpredicted {
            symbols = try db.market { try $0.partlyUnpredicted(symbols, market: market, from: first, through: asOf) }
        }
        if request.chunkSize == 0 {
            let perSymbol = symbols.isEmpty ? 1 : symbols.reduce(0) { $0 + days[$1]! } / symbols.count
            request.chunkSize = RunPlan.chunkSize(symbols: symbols.count, daysPerSymbol: max(2, perSymbol), consumers: consumers())
        }
        let chunks = RunPlan.chunks(symbols, chunkSize: request.chunkSize)
        return try create(db, chunks: chunks, items: chunks.map { $0.reduce(0) { $0 + days[$1]! } },
                          noData: counts.isEmpty ? "no data for \(market) from \(first) through \(asOf): "
                              + "were the days' files ingested?" : nil,
                          nothingLeft: "every day of every symbol has a prediction")
    }

    /// A run with nothing left to do ends here (no data, nothing unpredicted, already finished).
    func finishIfEmpty(_ db: ReconnectingPGConnection, _ run: RunRecord) throws -> (RunExit, RunRecord?)? {
        var r = run
        if !r.isFinished, r.total == 0 { r = try db.ledger { try $0.finish(run.id)! } }
        guard r.isFinished else { return nil }
        reporter.summary(r, seconds: timings.plan, processedAtStart: r.processed)
        return (RunExit(status: r.status), r)
    }

    /// Refuses a model store that does not exist or holds no model, unless the run is
    /// fallback-only: otherwise every symbol would silently get the fallback.
    func checkModelStore() throws {
        guard !request.fallbackOnly else { return }
        switch ModelStore.inventory(root: request.modelStore) {
        case .missing:
            throw RunRequestError("model store \(request.modelStore) does not exist; train models there "
                                  + "(worker train) or pass --fallback-only to predict every symbol with the fallback")
        case .empty:
            throw RunRequestError("model store \(request.modelStore) holds no model (<SYMBOL>/model.json|txt or "
                                  + "_global/model.json|txt); pass --fallback-only to predict every symbol with the fallback")
        case .models:
            return
        }
    }
}
