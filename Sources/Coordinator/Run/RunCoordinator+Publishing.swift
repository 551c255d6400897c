import ClosebellCore
import ClosebellProtocol
import ClosebellStorage
import ClosebellRuntime
import Foundation

extension RunCoordinator {
    /// Publishes every chunk that is due, with confirms, then records them as published.
    func publishDue(_ db: ReconnectingPGConnection, _ session: AMQPSession, _ id: Int64) throws {
        let due = try db.ledger { try $0.dueChunks(id, limit: 2000) }
        guard !due.isEmpty else { return }
        var t0 = Date()
        let windows = try db.market { try $0.windows(due.flatMap(\.symbols), market: request.market, through: request.asOf, rows: window)
        }
        timings.loadWindows += Date().timeIntervalSince(t0)
        t0 = Date()
        defer { timings.publish += Date().timeIntervalSince(t0) }
        let t = options.topology
        do {
            try session.withConnection { c in
                for ch in due {
                    let series = ch.symbols.map { windows[$0] ?? SymbolSeries(symbol: $0) }
                    let msg = ChunkMessage(runId: id, chunkNo: ch.chunkNo, attempt: ch.attempts + 1, asOf: request.asOf,
                                           modelStore: request.modelStore, tradingWeekdays: request.tradingWeekdays,
                                           fallbackOnly: request.fallbackOnly, series: series)
                    try c.publish(channel: Self.publishChannel, exchange: t.exchange, routingKey: t.chunkRoutingKey,
                                  body: msg.encode(),
                                  properties: .init(messageId: msg.messageId, type: WireFormat.Kind.chunk.typeName))
                    if c.outstandingConfirms(channel: Self.publishChannel) >= 256 {
                        try c.waitForConfirms(channel: Self.publishChannel, maxOutstanding: 128)
                    }
                }
                try c.waitForConfirms(channel: Self.publishChannel)
            }
        } catch let e as AMQPError where e.isConnectionLoss {
            logger.warning("broker lost while publishing; will publish again", metadata: [LogKey.error: "\(e)"])
            try session.connection()  // reconnects, or throws once the broker stayed away too long
            return
        }
        try db.ledger { try $0.markPublished(id, chunkNos: due.map(\.chunkNo)) }
    }
}
