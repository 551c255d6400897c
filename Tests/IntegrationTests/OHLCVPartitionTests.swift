import ClosebellCore
import ClosebellStorage
import Foundation
import Testing

/// Migration 18: `ohlcv` partitioned by date (the current year by month, past years by year); its
/// rows, keys, trigger and the outcomes view unchanged; a partition made as its first file is
/// ingested; every change noted.
@Suite("ohlcv partitioned by date (migration 18)", .serialized,
       .enabled(if: TestServers.databaseShouldRun, TestServers.databaseSkipReason))
struct OHLCVPartitionTests {
    @Test("the rows, the keys and the outcomes stay; a partition per past year and per month, each noting its changes")
    func migrated() throws {
        try TestServers.withEmptyDatabase { db, _ in
            try Migrator.migrate(db, migrations: Schema.migrations.filter { $0.version < 18 })
            try db.execute("""
                INSERT INTO ohlcv (market, symbol, trading_date, open, high, low, close, volume, source_file)
                SELECT m, 'S' || s, d::date, NULL, 2, 1, 10 + s + extract(doy FROM d) / 7, 100, m || '.csv'
                FROM unnest(ARRAY['nepse', 'nyse']) m, generate_series(1, 12) s,
                     generate_series('2023-12-25'::date, '2024-03-05', '1 day') d;
                INSERT INTO predictions (market, symbol, as_of_date, target_date, predicted_return, model_kind,
                                         is_fallback, run_id)
                SELECT market, symbol, trading_date, trading_date + 1, 0.5, 'linear', false, 1 FROM ohlcv
                WHERE trading_date BETWEEN '2023-12-28' AND '2024-02-03';
                """)
            let rows = "SELECT md5(string_agg(o::text, ',' ORDER BY market, symbol, trading_date)) FROM ohlcv o"
            let outcomes = """
                SELECT md5(string_agg(o::text, ',' ORDER BY market, symbol, as_of_date)) FROM prediction_outcomes o
                """
            let before = (try db.query(rows).scalar, try db.query(outcomes).scalar)

            try Migrator.migrate(db)
            #expect(try db.query(rows).scalar == before.0)
            #expect(try db.query(outcomes).scalar == before.1)
            #expect(try partitions(db) == ["ohlcv_2023", "ohlcv_202401", "ohlcv_202402", "ohlcv_202403"])
            let keys = try db.query("""
                SELECT indexrelid::regclass::text || ' ' || pg_get_indexdef(indexrelid) FROM pg_index
                WHERE indrelid = 'ohlcv'::regclass ORDER BY 1
                """).rows.map { $0[0]! }
            #expect(keys.count == 2 && keys[0].hasPrefix("ohlcv_by_date"), "\(keys)")
            #expect(keys[0].contains("USING brin (trading_date)"), "\(keys)")
            #expect(keys[1].hasPrefix("ohlcv_pkey") && keys[1].hasSuffix("(symbol, trading_date, market)"), "\(keys)")
            // One row per (market, symbol, day), as before.
            #expect(throws: PGError.self) {
                try db.execute("""
                    INSERT INTO ohlcv (market, symbol, trading_date, close, source_file)
                    VALUES ('nepse', 'S1', '2024-02-10', 1, 'again.csv')
                    """)
            }
            try db.execute("SET ROLE \(Schema.analystRole)")
            #expect(try db.query("SELECT count(*) FROM ohlcv").scalar == "\(2 * 12 * 72)")
            #expect(try db.query("SELECT count(*) > 0 FROM prediction_outcomes").scalar == "t")
            try db.execute("RESET ROLE")

            // A statement naming a partition is noted too (the parent's statement triggers do not fire for it).
            let store = MarketStore(db: db)
            let snapshot = try store.ohlcvChanges(since: nil).snapshot
            try db.execute("""
                UPDATE ohlcv_202402 SET close = close + 1 WHERE symbol = 'S2' AND trading_date = '2024-02-07'
                """)
            #expect(try store.ohlcvChanges(since: snapshot).touched == [nil])
        }
    }

    @Test("a new month's file makes its partition, a past year's one; the cache identity follows the partitions")
    func newMonth() throws {
        try TestServers.withEmptyDatabase { db, _ in
            try Migrator.migrate(db)
            let dir = NSTemporaryDirectory() + "closebell-partitions-\(UUID().uuidString.prefix(8))"
            try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(atPath: dir) }
            func file(_ day: String, _ close: Double) throws -> String {
                let path = "\(dir)/nepse_\(day.replacingOccurrences(of: "-", with: "")).csv"
                let text = "Date,Symbol,Open,High,Low,Close,Volume\n\(day),AAA,1,2,0.5,\(close),10\n"
                    + "\(day),BBB,1,2,0.5,1.5,10\n"
                try text.write(toFile: path, atomically: true, encoding: .utf8)
                return path
            }
            let store = MarketStore(db: db)
            #expect(try store.ingest(path: try file("2025-06-30", 1.25)).outcome == .loaded)
            let june = try #require(try store.windowCacheIdentity())
            #expect(try store.ingest(path: try file("2025-07-01", 1.5)).outcome == .loaded)
            #expect(try partitions(db) == ["ohlcv_202506", "ohlcv_202507"])
            #expect(try db.query("SELECT count(*) FROM ohlcv_202507").scalar == "2")
            // A new partition is another table for a window cache (once a month); rows into one are not.
            let identity = try #require(try store.windowCacheIdentity())
            #expect(identity != june)
            // The same month again makes nothing; a changed file replaces its rows in their partition.
            #expect(try store.ingest(path: try file("2025-07-02", 1.75)).outcome == .loaded)
            #expect(try store.ingest(path: try file("2025-07-01", 1.6)).outcome == .replaced)
            #expect(try partitions(db) == ["ohlcv_202506", "ohlcv_202507"])
            #expect(try store.windowCacheIdentity() == identity)
            #expect(try db.query("SELECT close FROM ohlcv WHERE symbol = 'AAA' AND trading_date = '2025-07-01'")
                .scalar == "1.6")
            // A past year's file (a history loaded later) makes the year's partition; a month of a
            // year that has months makes a month's; a file dated past the server's year (a typo)
            // leaves this year by month.
            #expect(try store.ingest(path: try file("2023-03-01", 1.0)).outcome == .loaded)
            #expect(try store.ingest(path: try file("2025-01-15", 1.0)).outcome == .loaded)
            #expect(try store.ingest(path: try file("2082-03-15", 1.0)).outcome == .loaded)
            let thisYear = Calendar(identifier: .gregorian).component(.year, from: Date())
            let monthOfThisYear = try store.partitions(for: [try #require(Day(iso: "\(thisYear)-02-03"))])
            #expect(monthOfThisYear.values.first == "ohlcv_\(thisYear)02")
            #expect(try partitions(db) == ["ohlcv_2023", "ohlcv_202501", "ohlcv_202506", "ohlcv_202507",
                                           "ohlcv_\(thisYear)02", "ohlcv_208203"].sorted())
            #expect(try store.partitions(for: [Day(iso: "2023-12-31")!, Day(iso: "2025-07-09")!]).values.sorted()
                == ["ohlcv_2023", "ohlcv_202507"])
            let all = try #require(try store.windowCacheIdentity())
            // The trigger disabled on one partition only: changes there would go unseen.
            try db.execute("ALTER TABLE ohlcv_202507 DISABLE TRIGGER ohlcv_changed")
            #expect(try store.windowCacheIdentity() == nil)
            try db.execute("ALTER TABLE ohlcv_202507 ENABLE ALWAYS TRIGGER ohlcv_changed")
            #expect(try store.windowCacheIdentity() == all)
            // A rewrite, and a partition detached (its rows gone, no trigger fired), are other tables.
            try db.execute("VACUUM FULL ohlcv_202506")
            let rewritten = try #require(try store.windowCacheIdentity())
            #expect(rewritten != all, "a rewritten partition kept the identity")
            try db.execute("ALTER TABLE ohlcv DETACH PARTITION ohlcv_2023")
            #expect(try store.windowCacheIdentity() != rewritten, "a detached partition kept the identity")
            // Its name taken by a table that is no partition: said, not a puzzling COPY error.
            #expect(throws: PGError.self) { try store.partitions(for: [Day(iso: "2023-05-05")!]) }
        }
    }

    /// The partitions of `ohlcv`, by name.
    func partitions(_ db: PGConnection) throws -> [String] {
        try db.query("""
            SELECT relid::regclass::text FROM pg_partition_tree('ohlcv') WHERE isleaf ORDER BY 1
            """).rows.map { $0[0]! }
    }
}
