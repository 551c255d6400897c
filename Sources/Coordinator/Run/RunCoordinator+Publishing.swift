import ClosebellCore
import ClosebellProtocol
import ClosebellStorage
import ClosebellRuntime
import Foundation

extension RunCoordinator {
    /// Publishes every chunk that is due, with confirms, then records them as published.
    func publishDue(_ db: ReconnectingPGConnection, _ broker: any RunBroker, _ id: Int64) throws {
        let due = try db.ledger { try $0.dueChunks(id, limit: 2000) }
        guard !due.isEmpty else { return }
        var t0 = Date()
        let windows = try db.market { try $0.windows(due.flatMap(\.symbols), market: request.market, through: request.asOf, rows: window)
        }
        timings.loadWindows += Date().timeIntervalSince(t0)
        t0 = Date()
        defer { timings.publish += Date().timeIntervalSince(t0) }
        let messages = due.map { ch in
            let series = ch.symbols.map { windows[$0] ?? SymbolSeries(symbol: $0) }
            let msg = ChunkMessage(runId: id, chunkNo: ch.chunkNo, attempt: ch.attempts + 1, asOf: request.asOf,
                                   modelStore: request.modelStore, tradingWeekdays: request.tradingWeekdays,
                                   fallbackOnly: request.fallbackOnly, series: series)
            return OutgoingMessage(messageId: msg.messageId, body: msg.encode(), highPriority: request.priority == .high)
        }
        guard try broker.publish(messages) else { return }  // lost on the way: published again next time
        try db.ledger { try $0.markPublished(id, chunkNos: due.map(\.chunkNo)) }
    }
}
