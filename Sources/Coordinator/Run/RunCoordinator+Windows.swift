import ClosebellCore
import ClosebellStorage

extension RunCoordinator {
    /// A daily run's windows. A large set is read in two halves at once, on the run's two
    /// connections, each backend scanning and each thread decoding its own, split by day
    /// (``WindowRead``). A resident coordinator reads only the days its ``WindowCache`` does not
    /// hold; a run given a ``RunOptions/windowCacheDirectory``, those its file does not. (A
    /// backfill's ranges are read ahead, by ``ChunkPrefetch``.)
    func loadWindows(_ db: ReconnectingPGConnection, _ symbols: [String]) throws -> [String: SymbolSeries] {
        let market = request.market, asOf = request.asOf, window = self.window
        let split = symbols.count >= 2 && symbols.count * window >= options.splitLoadRows
        if let cache = options.session?.windows {
            return try cachedWindows(db, symbols, cache: cache, split: split)
        }
        if let directory = options.windowCacheDirectory,
           let kept = try windowsKeptInFile(db, symbols, directory: directory, split: split) {
            return kept
        }
        let read = split
            ? try db.market { try $0.windowRead(symbols, market: market, through: asOf, rows: window) } : nil
        guard let read, read.spans.count == 2 else {
            return try db.market { try $0.windows(symbols, market: market, through: asOf, rows: window) }
        }
        return try db.market { try $0.finish(read, try readSpans(db, read)) }
    }

    /// The rows of a windows read's spans (oldest first): two spans at once, on the run's two
    /// connections, when there are two and a second connection.
    func readSpans(_ db: ReconnectingPGConnection, _ read: WindowRead) throws -> [[String: SymbolSeries]] {
        let spans = read.spans
        guard spans.count == 2, let second = secondConnection() else {
            return try spans.map { span in try db.market { try $0.windowRows(read, span) } }
        }
        let (older, newer) = try second.both(here: { try db.market { try $0.windowRows(read, spans[0]) } },
                                             there: { db2 in try db2.market { try $0.windowRows(read, spans[1]) } })
        return [older, newer]
    }

    /// A daily run's windows through the resident coordinator's cache: the changes committed
    /// since it was filled are asked for first, then only the days it cannot give are read.
    func cachedWindows(_ db: ReconnectingPGConnection, _ symbols: [String], cache: WindowCache,
                       split: Bool) throws -> [String: SymbolSeries] {
        let market = request.market, asOf = request.asOf, window = self.window
        let changes = try db.market { try $0.ohlcvChanges(since: cache.snapshot(for: market)) }
        let read = try db.market { try $0.windowRead(symbols, market: market, through: asOf, rows: window) }
        guard let read else {
            return try db.market { try $0.windows(symbols, market: market, through: asOf, rows: window) }
        }
        timings.windowDays = read.days.count
        if let reuse = cache.reuse(for: read, after: changes) {
            timings.cachedDays = read.days.count(where: reuse.keep.contains)
            let fetched = try reuse.fetch.map { span in try db.market { try $0.windowRows(read, span) } } ?? [:]
            let rows = cache.join(read, reuse, fetched: fetched, snapshot: changes.snapshot)
            return try db.market { try $0.finish(read, [rows]) }
        }
        let whole = read.days[0]...read.days[read.days.count - 1]
        let parts = split ? try readSpans(db, read) : [try db.market { try $0.windowRows(read, whole) }]
        let rows = cache.store(read, parts: parts, snapshot: changes.snapshot)
        return try db.market { try $0.finish(read, [rows]) }
    }
}
