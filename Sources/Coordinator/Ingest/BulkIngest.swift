import ClosebellCore
import ClosebellStorage
import Foundation
import Logging

/// Loads a history of daily files at COPY speed: files are read, hashed and parsed on a
/// second thread while the loader sends the previous batch to PostgreSQL, many files per
/// transaction and per COPY stream (``MarketStore/load(_:)``).
///
/// Per-file accounting is kept: each file gets its report (loaded, replaced, unchanged or
/// failed, with rows loaded, rejected and flagged). A batch that PostgreSQL refuses as a
/// whole is loaded again file by file, so one bad file never costs the others.
///
/// A load larger than the table it goes into (a first history load) runs as one transaction
/// with `ohlcv`'s indexes dropped and rebuilt at the end: building an index by sorting costs
/// a fraction of maintaining it row by row. Should that fail, the load runs again batch by batch.
public final class BulkIngest {
    let db: PGConnection
    let options: IngestOptions
    let logger: Logger
    /// Asked before each batch: true stops the ingest there (``IngestStopped``), the batches
    /// committed before kept (a load with indexes rebuilt is one transaction: nothing is kept).
    let stop: () -> Bool

    public init(db: PGConnection, options: IngestOptions, logger: Logger = Logger(label: "closebell.ingest"),
                stop: @escaping () -> Bool = { false }) {
        self.db = db
        self.options = options
        self.logger = logger
        self.stop = stop
    }

    /// Ingests `paths` in order; calls `report` for every file and `progress` after every batch.
    public func run(_ paths: [String], report: (IngestReport) -> Void,
                    progress: (IngestProgress) -> Void = { _ in }) throws -> IngestProgress {
        let store = MarketStore(db: db)
        // The partitions of every day at once: a history's past years get one each (not one per
        // month, as they would when its first batch alone was asked). Should that fail, each
        // batch asks for its own, and a file that cannot have one fails alone.
        do {
            _ = try store.partitions(for: paths.compactMap { DailyFileName($0)?.day })
        } catch let e as PGError where !e.isConnectionLoss {
            logger.warning("ohlcv's partitions were not made ahead", metadata: ["error": "\(e)"])
        }
        let rowsBefore = try store.estimatedOHLCVRows()
        if try rebuildsIndexes(paths, store, rows: rowsBefore) {
            var held: [IngestReport] = []
            do {
                let state = try db.transaction {
                    try store.dropOHLCVIndexes()
                    let freeze = try store.truncateIfEmpty()
                    var s = try pump(paths, load: { try store.loadInTransaction($0, freeze: freeze) },
                                     report: { held.append($0) },
                                     progress: progress)
                    let t0 = Date()
                    try store.restoreOHLCVIndexes()
                    let rebuild = Date().timeIntervalSince(t0)
                    logger.info("ohlcv indexes rebuilt",
                                metadata: ["seconds": "\(rebuild)", "load_seconds": "\(s.seconds)"])
                    s.seconds += rebuild  // the summary's time and rate are the whole ingest's
                    s.keysSeconds = rebuild
                    return s
                }
                held.forEach(report)
                return state
            } catch let e as PGError where !e.isConnectionLoss {
                logger.warning("the load with indexes rebuilt failed; loading again batch by batch",
                               metadata: ["error": "\(e)"])
            }
        }
        let state = try pump(paths, load: { try self.load($0, store) }, report: report, progress: progress)
        try analyzeIfGrown(store, by: state.loaded, from: rowsBefore)
        return state
    }

    /// Gathers `ohlcv`'s statistics after a load of at least a tenth of the rows it held (what
    /// autovacuum does for a table, and never for a partitioned one: its partitions it analyses,
    /// the whole table's statistics — which joins and groupings on it are planned with — only
    /// an `ANALYZE` of it gives).
    func analyzeIfGrown(_ store: MarketStore, by loaded: Int, from rows: Int) throws {
        guard loaded > 0, loaded * 10 >= rows else { return }
        let t0 = Date()
        try store.analyzeOHLCV()
        logger.info("ohlcv analysed",
                    metadata: ["rows_loaded": "\(loaded)", "seconds": "\(Date().timeIntervalSince(t0))"])
    }

    /// Whether to drop and rebuild `ohlcv`'s indexes: as configured, else when the files not
    /// ingested before hold (by their size) at least 1,000,000 rows and more than the table does.
    /// `rows`: what the table holds (``MarketStore/estimatedOHLCVRows()``).
    func rebuildsIndexes(_ paths: [String], _ store: MarketStore, rows held: Int) throws -> Bool {
        if let forced = options.rebuildIndexes { return forced }
        let known = try store.recordedChecksums(paths.map(DailyFileName.baseName))
        let bytes = paths.filter { known[DailyFileName.baseName($0)] == nil }.reduce(0) { total, p in
            total + ((try? FileManager.default.attributesOfItem(atPath: p)[.size] as? Int) ?? 0)
        }
        let rows = bytes / IngestOptions.bytesPerRow
        guard rows >= 1_000_000 else { return false }
        return rows > held
    }

    /// Parses on a second thread, loads on this one, batch by batch.
    func pump(_ paths: [String], load: ([ParsedDailyFile]) throws -> [IngestReport], report: (IngestReport) -> Void,
              progress: (IngestProgress) -> Void) throws -> IngestProgress {
        let started = Date()
        var state = IngestProgress(totalFiles: paths.count)
        let queue = BatchQueue(capacity: options.queueDepth)
        let parser = DailyFileParser(strict: options.strict)
        // Files already ingested are hashed, not parsed, when their content is what was recorded.
        let recorded = try MarketStore(db: db).recordedChecksums(paths.map(DailyFileName.baseName))
        let (batchRows, batchFiles) = (options.batchRows, options.batchFiles)
        let producer = Thread {
            var batch: [ParsedDailyFile] = [], names = Set<String>(), rows = 0
            // The first batch is small, so that loading starts as soon as a few files are parsed.
            var rowLimit = max(1, batchRows / 16)
            for path in paths {
                if queue.isCancelled { return }
                let f = ParsedDailyFile(path: path, parser: parser, recorded: recorded[DailyFileName.baseName(path)])
                if names.contains(f.name) {  // the same file name twice: the second goes in the next batch
                    queue.put(batch); batch = []; names = []; rows = 0
                }
                batch.append(f); names.insert(f.name); rows += f.rows
                if rows >= rowLimit || batch.count >= batchFiles {
                    queue.put(batch); batch = []; names = []; rows = 0
                    rowLimit = batchRows
                }
            }
            if !batch.isEmpty { queue.put(batch) }
            queue.close()
        }
        producer.stackSize = 1 << 22
        producer.start()
        defer { queue.cancel() }
        while let batch = queue.take() {
            if stop() { throw IngestStopped(loaded: state.files) }
            for r in try load(batch) {
                state.add(r)
                report(r)
            }
            state.seconds = Date().timeIntervalSince(started)
            progress(state)
        }
        return state
    }

    /// One transaction for the batch; file by file if PostgreSQL refuses the batch as a whole.
    func load(_ batch: [ParsedDailyFile], _ store: MarketStore) throws -> [IngestReport] {
        do { return try store.load(batch) } catch let e as PGError where !e.isConnectionLoss && batch.count > 1 {
            logger.warning("a batch of \(batch.count) files failed; loading them one by one",
                           metadata: ["error": "\(e)"])
            return try batch.map { f in
                do { return try store.load([f])[0] } catch let e as PGError where !e.isConnectionLoss {
                    return IngestReport(file: f.name, outcome: .failed, loaded: 0, rejected: 0, flagged: 0, error: "\(e)")
                }
            }
        }
    }
}

/// An ingest stopped before it was done (a signal asked the process to stop).
public struct IngestStopped: Error, CustomStringConvertible {
    /// Files committed before it stopped.
    public var loaded: Int
    public var description: String { "stopped when asked, after \(loaded) files" }
}
