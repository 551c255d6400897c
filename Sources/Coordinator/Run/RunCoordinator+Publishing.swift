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
}
