import ClosebellCore
import ClosebellProtocol
import ClosebellStorage
import ClosebellRuntime
import Foundation

extension RunCoordinator {
    /// Publishes every chunk that is due, with confirms, then records them as published.
    func publishDue(_ db: ReconnectingPGConnection, _ broker: any RunBroker, _ id: Int64) throws {
        // A backfill's chunks carry whole ranges: publish a bounded number of rows at a time.
        let rowsPerSymbol = window + (request.firstDay.map { Int(request.asOf.daysSinceEpoch - $0.daysSinceEpoch) + 1 } ?? 0)
        let limit = max(1, min(2000, 250_000 / max(1, request.chunkSize * rowsPerSymbol)))
        let due = try db.ledger { try $0.dueChunks(id, limit: limit) }
        guard !due.isEmpty else { return }
        var t0 = Date()
        let windows = try loadWindows(db, due.flatMap(\.symbols), rowsPerSymbol: rowsPerSymbol)
        timings.loadWindows += Date().timeIntervalSince(t0)
        t0 = Date()
        defer { timings.publish += Date().timeIntervalSince(t0) }
        let messages = due.map { ch in
            let series = ch.symbols.map { windows[$0] ?? SymbolSeries(symbol: $0) }
            let msg = ChunkMessage(runId: id, chunkNo: ch.chunkNo, attempt: ch.attempts + 1, asOf: request.asOf,
                                   modelStore: request.modelStore, tradingWeekdays: request.tradingWeekdays,
                                   fallbackOnly: request.fallbackOnly, firstDay: request.firstDay, series: series)
            return OutgoingMessage(messageId: msg.messageId, body: msg.encode(), highPriority: request.priority == .high)
        }
        guard try broker.publish(messages) else { return }  // lost on the way: published again next time
        try db.ledger { try $0.markPublished(id, chunkNos: due.map(\.chunkNo)) }
    }

    /// The symbols' windows (a backfill: their ranges). A large set is read in two halves at
    /// once, on the run's two connections, each backend scanning and each thread decoding its
    /// own: a daily run's windows split by day (``WindowRead``), a backfill's ranges by symbol.
    func loadWindows(_ db: ReconnectingPGConnection, _ symbols: [String],
                     rowsPerSymbol: Int) throws -> [String: SymbolSeries] {
        let market = request.market, asOf = request.asOf, window = self.window
        let split = symbols.count >= 2 && symbols.count * rowsPerSymbol >= options.splitLoadRows
        guard let first = request.firstDay else {
            let read = split ? try db.market { try $0.windowRead(symbols, market: market, through: asOf, rows: window) } : nil
            guard let read, read.spans.count == 2, let second = secondConnection() else {
                return try db.market { try $0.windows(symbols, market: market, through: asOf, rows: window) }
            }
            let spans = read.spans
            let (older, newer) = try second.both(here: { try db.market { try $0.windowRows(read, spans[0]) } },
                                                 there: { db2 in try db2.market { try $0.windowRows(read, spans[1]) } })
            return try db.market { try $0.finish(read, [older, newer]) }
        }
        let load: @Sendable ([String], MarketStore) throws -> [String: SymbolSeries] = { part, store in
            try store.ranges(part, market: market, from: first, through: asOf, before: window - 1)
        }
        guard split, let second = secondConnection() else { return try db.market { try load(symbols, $0) } }
        let half = symbols.count / 2
        let a = Array(symbols[..<half]), b = Array(symbols[half...])
        var (here, there) = try second.both(here: { try db.market { try load(a, $0) } },
                                            there: { db2 in try db2.market { try load(b, $0) } })
        here.merge(there) { mine, _ in mine }
        return here
    }
}
