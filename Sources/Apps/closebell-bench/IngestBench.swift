import ArgumentParser
import ClosebellCoordinator
import ClosebellCore
import ClosebellRuntime
import ClosebellStorage
import Foundation

/// `closebell-bench ingest`: a history folder loaded by `coordinator ingest`'s bulk path, beside
/// PostgreSQL's own COPY of the same rows measured in the same run (the physical limit).
struct IngestBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ingest",
        abstract: "Bulk ingest rows/s (files read, hashed, parsed, loaded) beside raw COPY rows/s of the same rows.")

    @Option(help: "Scenarios as SYMBOLSxDAYS (comma-separated).") var scenarios = "10000x250,60x4378"

    func run() throws {
        let base = Settings.databaseURL(nil)
        guard !base.isEmpty else { throw ValidationError("set CLOSEBELL_DATABASE_URL (eval \"$(ops/services env)\")") }
        print("bulk ingest beside COPY on this machine (fresh database per scenario; rows/s, higher is better)")
        for spec in scenarios.split(separator: ",") {
            let parts = spec.split(separator: "x").compactMap { Int($0) }
            guard parts.count == 2 else { throw ValidationError("scenario '\(spec)': expected SYMBOLSxDAYS") }
            try scenario(base: base, symbols: parts[0], days: parts[1])
        }
    }

    func scenario(base: String, symbols: Int, days: Int) throws {
        let dir = NSTemporaryDirectory() + "closebell-bench-ingest-\(UUID().uuidString.prefix(6))"
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let paths = try SampleDataGenerator(symbols: symbols, days: days, seed: 3, market: "nepse",
                                            calendar: .sundayToThursday, malformedPerFile: 0.5).write(to: dir + "/data")
        let name = "bench_ingest_\(UUID().uuidString.prefix(6).lowercased())"
        let admin = try PGConnection(base)
        try admin.execute("CREATE DATABASE \(name)")
        defer { try? admin.execute("DROP DATABASE IF EXISTS \(name) WITH (FORCE)"); admin.close() }
        var parts = URLComponents(string: base)!
        parts.path = "/\(name)"
        let db = try PGConnection(parts.string!)
        defer { db.close() }
        try Migrator.migrate(db)

        // The limit: the same rows, parsed beforehand, by one binary COPY stream into ohlcv's
        // shape without indexes, and with ohlcv's indexes.
        let parsed = paths.map { ParsedDailyFile(path: $0, parser: DailyFileParser()) }
        let files = parsed.compactMap { f in (try? f.content.get()).map { (f.name, $0) } }
        let rows = files.reduce(0) { $0 + $1.1.bars.count }
        try db.execute("CREATE TABLE raw_plain (LIKE ohlcv)")
        try db.execute("CREATE TABLE raw_keyed (LIKE ohlcv INCLUDING INDEXES)")
        let store = MarketStore(db: db)
        let plain = try timed { try db.transaction { try store.copyRows(files, into: "raw_plain") } }
        let keyed = try timed { try db.transaction { try store.copyRows(files, into: "raw_keyed") } }
        let floor = try keysAfterCopy(db, store, files)
        try db.execute("DROP TABLE raw_plain, raw_keyed, raw_floor")

        // `coordinator ingest`: read, hash, parse (on a second thread) and load, per-file accounting.
        var result = IngestProgress(totalFiles: 0)
        let ingest = try timed { result = try BulkIngest(db: db, options: IngestOptions()).run(paths, report: { _ in }) }
        var again = IngestProgress(totalFiles: 0)
        let noop = try timed { again = try BulkIngest(db: db, options: IngestOptions()).run(paths, report: { _ in }) }
        guard result.loaded == rows, again.unchanged == paths.count else {
            throw ValidationError("ingest loaded \(result.loaded) of \(rows) rows; re-ingest left \(again.unchanged) unchanged")
        }
        print("\(symbols) symbols x \(days) days: \(paths.count) files, \(rows) rows, \(result.rejected) rejected, "
              + "\(result.flagged) flagged")
        func line(_ what: String, _ s: Double, _ n: Int) {
            print(String(format: "  %-56@ %7.2f s  %10.0f rows/s", what as NSString, s, Double(n) / s))
        }
        line("COPY, binary, one stream, table without indexes", plain, rows)
        line("COPY, binary, one stream, table with ohlcv's keys", keyed, rows)
        line("COPY FREEZE without indexes, then ohlcv's keys built", floor.copy + floor.keys, rows)
        print(String(format: "    of which COPY %.2f s, keys and ANALYZE %.2f s: the floor for a table with keys",
                     floor.copy, floor.keys))
        line("coordinator ingest (files → ohlcv, accounted)", ingest, rows)
        if result.keysSeconds > 0 {
            print(String(format: "    of which files read and loaded %.2f s, keys and ANALYZE %.2f s",
                         result.seconds - result.keysSeconds, result.keysSeconds))
        }
        print(String(format: "  %-56@ %7.2f s  (%d files unchanged)", "coordinator ingest again (no-op)" as NSString,
                     noop, again.unchanged))
    }

    /// The fastest way PostgreSQL offers to fill a table that has keys, as a first history load
    /// does it: the rows frozen into a table emptied in the same transaction, without indexes,
    /// then `ohlcv`'s indexes (as a copy of its definition holds them) built by sorting and the
    /// table analysed, all in one transaction. Seconds of the COPY and of the keys.
    func keysAfterCopy(_ db: PGConnection, _ store: MarketStore,
                       _ files: [(name: String, file: DailyFile)]) throws -> (copy: Double, keys: Double) {
        try db.execute("CREATE TABLE raw_floor (LIKE ohlcv INCLUDING INDEXES)")
        let keys = try db.query("""
            SELECT pg_get_indexdef(indexrelid) FROM pg_index WHERE indrelid = 'raw_floor'::regclass
            ORDER BY indisprimary DESC, indexrelid
            """).rows.map { $0[0]! }
        try db.execute("DROP TABLE raw_floor")
        try db.execute("CREATE TABLE raw_floor (LIKE ohlcv)")
        var copy = 0.0, build = 0.0
        try db.transaction {
            try db.execute("TRUNCATE raw_floor")
            copy = try timed { try store.copyRows(files, into: "raw_floor", freeze: true) }
            build = try timed {
                try db.execute("SET LOCAL maintenance_work_mem = '512MB'")
                for k in keys { try db.execute(k) }
                try db.execute("ANALYZE raw_floor (market, symbol, trading_date, source_file)")
            }
        }
        return (copy, build)
    }

    func timed(_ body: () throws -> Void) rethrows -> Double {
        let t = Date()
        try body()
        return Date().timeIntervalSince(t)
    }
}
