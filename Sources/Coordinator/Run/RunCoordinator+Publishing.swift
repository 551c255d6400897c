import ClosebellCore
import ClosebellProtocol
import ClosebellStorage
import ClosebellRuntime
import Foundation

extension RunCoordinator {
    /// Publishes every chunk that is due, with confirms, then records them as published.
    /// A backfill's chunks are made ready ahead, beside the results being applied (``ChunkPrefetch``).
    func publishDue(_ db: ReconnectingPGConnection, _ broker: any RunBroker, _ id: Int64) throws {
        if request.isBackfill { return try publishPrefetched(db, broker, id) }
        let due = try db.ledger { try $0.dueChunks(id, limit: publishLimit) }
        guard !due.isEmpty else { return }
        var t0 = Date()
        let windows = try loadWindows(db, due.flatMap(\.symbols))
        timings.loadWindows += Date().timeIntervalSince(t0)
        t0 = Date()
        defer { timings.publish += Date().timeIntervalSince(t0) }
        // Each group leaves as soon as it is encoded, so the first workers start while the rest
        // are encoded (10 chunks of 1,000 symbols took 60 ms to encode).
        for group in Self.publishGroups(due.count) {
            let part = due[group]
            // Lost on the way: these and the rest stay pending, and are published again next time.
            guard try broker.publish(part.map { Self.message(request, id, $0, windows) }) else { return }
            try db.ledger { try $0.markPublished(id, chunkNos: part.map(\.chunkNo)) }
        }
    }

    /// The groups `count` due chunks are published in: 1, 2, 4, … chunks, doubling (each group
    /// waits for the broker's confirms once).
    static func publishGroups(_ count: Int) -> [Range<Int>] {
        var groups: [Range<Int>] = [], start = 0, size = 1
        while start < count {
            groups.append(start..<min(count, start + size))
            start += size
            size *= 2
        }
        return groups
    }

    /// Chunks published at once: a backfill's carry whole ranges, so a bounded number of rows
    /// (``RunOptions/publishRows``) at a time.
    var publishLimit: Int {
        let rowsPerSymbol = window + (request.firstDay.map { Int(request.asOf.daysSinceEpoch - $0.daysSinceEpoch) + 1 } ?? 0)
        return max(1, min(2000, options.publishRows / max(1, request.chunkSize * rowsPerSymbol)))
    }

    /// A backfill: publishes the batch the prefetch made, if it is ready, and starts the next.
    /// Only the first is waited for; later ones are taken between results.
    func publishPrefetched(_ db: ReconnectingPGConnection, _ broker: any RunBroker, _ id: Int64) throws {
        let prefetch = self.prefetch ?? ChunkPrefetch(url: options.databaseURL, logger: logger)
        self.prefetch = prefetch
        prefetch.start(prefetchBatch(id))
        guard let batch = try prefetch.take(wait: !prefetchStarted) else { return }
        prefetchStarted = true
        timings.loadWindows += batch.loadSeconds
        timings.publish += batch.encodeSeconds
        let t0 = Date()
        defer {
            timings.publish += Date().timeIntervalSince(t0)
            prefetch.start(prefetchBatch(id))
        }
        guard !batch.messages.isEmpty else { return }
        // Lost on the way: the chunks stay pending, and the next batch holds them again.
        guard try broker.publish(batch.messages) else { return }
        try db.ledger { try $0.markPublished(id, chunkNos: batch.chunkNos) }
    }

    /// What the prefetch does, on its own connection: the due chunks, their ranges, their messages.
    func prefetchBatch(_ id: Int64) -> @Sendable (ReconnectingPGConnection) throws -> ChunkPrefetch.Batch {
        let request = self.request, before = window - 1, limit = publishLimit
        return { db in
            var batch = ChunkPrefetch.Batch()
            let due = try db.ledger { try $0.dueChunks(id, limit: limit) }
            guard !due.isEmpty, let first = request.firstDay else { return batch }
            var t0 = Date()
            let ranges = try db.market {
                try $0.ranges(due.flatMap(\.symbols), market: request.market, from: first, through: request.asOf,
                              before: before)
            }
            batch.loadSeconds = Date().timeIntervalSince(t0)
            t0 = Date()
            batch.messages = due.map { Self.message(request, id, $0, ranges) }
            batch.chunkNos = due.map(\.chunkNo)
            batch.encodeSeconds = Date().timeIntervalSince(t0)
            return batch
        }
    }

    /// A chunk's message: its symbols' windows (or ranges), for its next attempt.
    static func message(_ request: RunRequest, _ id: Int64, _ ch: ChunkRecord,
                        _ windows: [String: SymbolSeries]) -> OutgoingMessage {
        let series = ch.symbols.map { windows[$0] ?? SymbolSeries(symbol: $0) }
        let msg = ChunkMessage(runId: id, chunkNo: ch.chunkNo, attempt: ch.attempts + 1, asOf: request.asOf,
                               modelStore: request.modelStore, tradingWeekdays: request.tradingWeekdays,
                               fallbackOnly: request.fallbackOnly, firstDay: request.firstDay, series: series)
        return OutgoingMessage(messageId: msg.messageId, body: msg.encode(), highPriority: request.priority == .high)
    }
}
