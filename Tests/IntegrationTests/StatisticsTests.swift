import ClosebellCore
import ClosebellStorage
import Foundation
import Testing

/// A fresh system's `predictions` has no statistics until autovacuum's first pass; the accuracy
/// sums planned without them joined every pair of rows. A run's follow-up gathers them.
@Suite("Statistics of predictions", .serialized,
       .enabled(if: TestServers.databaseShouldRun, TestServers.databaseSkipReason))
struct StatisticsTests {
    @Test("predictions never analysed, or more than doubled since, are analysed; otherwise left alone")
    func analyzeWhenStale() throws {
        try TestServers.withFreshDatabase { url in
            let db = try PGConnection(url)
            defer { db.close() }
            try db.execute("""
                INSERT INTO predictions (market, symbol, as_of_date, target_date, predicted_return, model_kind,
                                         is_fallback, run_id)
                SELECT 'nepse', 'S' || s, DATE '2025-01-06', DATE '2025-01-07', 0.1, 'linear', false, 1
                FROM generate_series(1, 3000) s
                """)
            let store = OutcomeStore(db: db)
            let described = "SELECT count(*) FROM pg_stats WHERE tablename = 'predictions' AND attname = 'symbol'"
            #expect(try db.query(described).scalar == "0")
            #expect(try store.analyzePredictionsIfStale(pending: 0))
            #expect(try db.query(described).scalar == "1")
            #expect(try db.query("SELECT reltuples FROM pg_class WHERE relname = 'predictions'").scalar == "3000")
            // Analysed, and a run adds a tenth: left to autovacuum.
            #expect(try !store.analyzePredictionsIfStale(pending: 300))
            // A run (a backfill) that more than doubles the table: analysed again.
            #expect(try store.analyzePredictionsIfStale(pending: 5000))
        }
    }
}
