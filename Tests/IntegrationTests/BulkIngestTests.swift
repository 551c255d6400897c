import ClosebellCore
import ClosebellStorage
import Foundation
import Testing

/// Bulk ingest keeps per-file accounting whichever way it loads: batch by batch with the
/// indexes in place, or in one transaction with the indexes dropped and rebuilt.
@Suite("Bulk ingest: accounting, replacement, idempotence", .serialized,
       .enabled(if: TestServers.databaseShouldRun, TestServers.databaseSkipReason))
struct BulkIngestTests {
    /// A second market's history, not ingested yet, with malformed rows in every file.
    func history(_ c: Cluster, days: Int = 15) throws -> (dir: String, paths: [String], lines: Int) {
        let dir = c.dir + "/bse"
        let paths = try SampleDataGenerator(symbols: 40, days: days, seed: 5, market: "bse", calendar: .sundayToThursday,
                                            malformedPerFile: 4).write(to: dir)
        let lines = try paths.reduce(0) { n, p in
            n + (try String(contentsOfFile: p, encoding: .utf8)).split(separator: "\n").count - 1
        }
        return (dir, paths, lines)
    }

    func count(_ c: Cluster, _ sql: String) throws -> Int { try c.count(sql) }

    /// Every data line is a loaded row or a reject; the ledger of files agrees; the indexes are there.
    func expectAccounted(_ c: Cluster, lines: Int, files: Int) throws {
        let loaded = try count(c, "SELECT count(*) FROM ohlcv WHERE market = 'bse'")
        let rejected = try count(c, "SELECT count(*) FROM ingest_rejects WHERE file_name LIKE 'bse_%'")
        #expect(loaded + rejected == lines)
        #expect(rejected > 0)
        #expect(try count(c, "SELECT count(*) FROM ingested_files WHERE market = 'bse'") == files)
        #expect(try count(c, "SELECT sum(rows_loaded) FROM ingested_files WHERE market = 'bse'") == loaded)
        #expect(try count(c, "SELECT sum(rows_rejected) FROM ingested_files WHERE market = 'bse'") == rejected)
        let db = try c.db()
        defer { db.close() }
        let indexes = try db.query("""
            SELECT indexname FROM pg_indexes WHERE tablename IN ('ohlcv', 'data_quality') ORDER BY indexname
            """).rows.map { $0[0]! }
        #expect(indexes == ["data_quality_by_file", "data_quality_pkey", "ohlcv_by_date", "ohlcv_pkey"])
    }

    @Test("a folder with bad rows, then a changed file, then the same folder again", arguments: [true, false])
    func accounting(rebuild: Bool) throws {
        let c = try Cluster(symbols: 5, days: 20)
        let h = try history(c)
        let flag = ["--rebuild-indexes", String(rebuild)]
        let (first, said) = try c.coordinatorOutput(["ingest"] + flag + [h.dir])
        #expect(first == 0)
        #expect(said.contains("ingested \(h.paths.count) files"))
        try expectAccounted(c, lines: h.lines, files: h.paths.count)
        let flagged = try count(c, "SELECT sum(rows_flagged) FROM ingested_files WHERE market = 'bse'")
        #expect(flagged > 0)
        #expect(flagged == (try count(c, "SELECT count(DISTINCT (file_name, line)) FROM data_quality WHERE market = 'bse'")))

        // One file changes: a row goes, a bad row comes. Its rows, rejects and flags are replaced.
        let changed = h.paths[3]
        var text = try String(contentsOfFile: changed, encoding: .utf8).split(separator: "\n").map(String.init)
        let gone = text.remove(at: 1)
        text.append("\(DailyFileName(changed)!.day),BADROW,1,2,0.5,-4,10")
        try (text.joined(separator: "\n") + "\n").write(toFile: changed, atomically: true, encoding: .utf8)
        let (second, said2) = try c.coordinatorOutput(["ingest"] + flag + [h.dir])
        #expect(second == 0)
        #expect(said2.contains("content changed, replaced"))
        #expect(said2.contains("\(h.paths.count - 1) unchanged"))
        try expectAccounted(c, lines: h.lines + 0, files: h.paths.count)
        let goneSymbol = gone.split(separator: ",")[1]
        #expect(try count(c, "SELECT count(*) FROM ohlcv WHERE market = 'bse' AND symbol = '\(goneSymbol)' "
                            + "AND trading_date = '\(DailyFileName(changed)!.day)'") == 0)
        #expect(try count(c, "SELECT count(*) FROM ingest_rejects WHERE reason = 'non-positive Close -4.0'") == 1)

        // The same folder again: nothing changes.
        let before = try count(c, "SELECT count(*) FROM ohlcv")
        let (third, said3) = try c.coordinatorOutput(["ingest"] + flag + [h.dir])
        #expect(third == 0)
        #expect(said3.contains("\(h.paths.count) unchanged"))
        #expect(try count(c, "SELECT count(*) FROM ohlcv") == before)
    }

    @Test("rows already in ohlcv that no ingested file accounts for: the fast paths fall back, nothing is lost")
    func strayRows() throws {
        let c = try Cluster(symbols: 5, days: 20)
        let h = try history(c, days: 8)
        let db = try c.db()
        defer { db.close() }
        // A row for a day and symbol the history holds, left by hand (no ingested_files row).
        let day = DailyFileName(h.paths[0])!.day
        let symbol = try #require(try String(contentsOfFile: h.paths[0], encoding: .utf8).split(separator: "\n")[1]
            .split(separator: ",").dropFirst().first)
        try db.query("""
            INSERT INTO ohlcv (market, symbol, trading_date, open, high, low, close, volume, source_file)
            VALUES ('bse', $1, $2, 1, 1, 1, 1, 1, 'by hand')
            """, [String(symbol), day.description])
        #expect(try c.coordinator(["ingest", "--rebuild-indexes", "true", h.dir]) == 0)
        try expectAccounted(c, lines: h.lines, files: h.paths.count)
        #expect(try count(c, "SELECT count(*) FROM ohlcv WHERE source_file = 'by hand'") == 0)
    }

    @Test("a first history load into empty tables goes in frozen (COPY FREEZE), accounted; later loads as before")
    func firstLoadFrozen() throws {
        let c = try Cluster(symbols: 5, days: 20)
        let db = try c.db()
        defer { db.close() }
        try db.execute("DELETE FROM ohlcv")
        try db.execute("DELETE FROM data_quality")
        let h = try history(c)
        let (first, said) = try c.coordinatorOutput(["ingest", "--rebuild-indexes", "true", h.dir])
        // COPY FREEZE refuses a table not emptied in the transaction: the load would then have
        // fallen back to batch by batch, and said so.
        #expect(first == 0 && said.contains("ohlcv indexes rebuilt") && !said.contains("batch by batch"), "\(said)")
        try expectAccounted(c, lines: h.lines, files: h.paths.count)
        #expect(try count(c, "SELECT count(*) FROM data_quality WHERE market = 'bse'") > 0)
        // Analysed by the load itself: the planner's statistics already describe the new rows.
        #expect(try count(c, """
            SELECT count(*) FROM pg_stats WHERE tablename = 'ohlcv' AND attname = 'market'
              AND most_common_vals::text = '{bse}'
            """) == 1)
        // Not empty any more: the next load takes the savepoint path and still replaces a changed file.
        var text = try String(contentsOfFile: h.paths[2], encoding: .utf8).split(separator: "\n").map(String.init)
        text.remove(at: 1)
        try (text.joined(separator: "\n") + "\n").write(toFile: h.paths[2], atomically: true, encoding: .utf8)
        let (second, said2) = try c.coordinatorOutput(["ingest", "--rebuild-indexes", "true", h.dir])
        #expect(second == 0 && said2.contains("content changed, replaced") && !said2.contains("batch by batch"), "\(said2)")
        try expectAccounted(c, lines: h.lines - 1, files: h.paths.count)
    }

    @Test("a file ingested again is hashed, not parsed; parsed after all if its recorded checksum changes meanwhile")
    func unchangedFilesSkipTheParse() throws {
        let c = try Cluster(symbols: 5, days: 20)
        let h = try history(c, days: 3)
        #expect(try c.coordinatorOutput(["ingest", h.dir]).0 == 0)
        let db = try c.db()
        defer { db.close() }
        let store = MarketStore(db: db)
        let path = h.paths[1], name = DailyFileName.baseName(path)
        let recorded = try store.recordedChecksums([name])
        let f = ParsedDailyFile(path: path, parser: DailyFileParser(), recorded: recorded[name])
        #expect(!f.isParsed && f.rows == 0)
        #expect(try store.load([f]).map(\.outcome) == [.unchanged])

        // Another ingest records other content for the name after this one read the file: the
        // file is loaded in full, replacing that content, never as an empty file.
        let before = try count(c, "SELECT count(*) FROM ohlcv WHERE source_file = '\(name)'")
        try db.execute("UPDATE ingested_files SET checksum = 'other' WHERE file_name = '\(name)'")
        let report = try #require(try store.load([f]).first)
        #expect(report.outcome == .replaced)
        #expect(report.loaded == before && before > 0)
        #expect(try count(c, "SELECT count(*) FROM ohlcv WHERE source_file = '\(name)'") == before)
        let content = ParsedDailyFile(path: path, parser: DailyFileParser()).checksum
        #expect(try store.recordedChecksums([name])[name] == content)
    }
}
