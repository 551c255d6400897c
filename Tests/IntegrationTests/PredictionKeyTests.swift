import ClosebellStorage
import Foundation
import Testing

/// Migration 17: `predictions` keyed by (market, as-of date, symbol), with no second index; its
/// rows, its uniqueness and the upsert on it unchanged.
@Suite("predictions keyed by day (migration 17)", .serialized,
       .enabled(if: TestServers.databaseShouldRun, TestServers.databaseSkipReason))
struct PredictionKeyTests {
    @Test("the rows stay, the key leads with the day, one prediction per (market, symbol, day) still")
    func keyedByDay() throws {
        try TestServers.withEmptyDatabase { db, _ in try keyedByDay(db) }
    }

    func keyedByDay(_ db: PGConnection) throws {
        try Migrator.migrate(db, migrations: Schema.migrations.filter { $0.version < 17 })
        try db.execute("""
            INSERT INTO predictions (market, symbol, as_of_date, target_date, predicted_return, model_kind,
                                     is_fallback, run_id)
            SELECT m, 'S' || s, d::date, d::date + 1, s * 0.5, 'linear', false, 1
            FROM unnest(ARRAY['nepse', 'nyse']) m, generate_series(1, 30) s,
                 generate_series('2024-01-01'::date, '2024-01-10', '1 day') d
            """)
        let before = try db.query("SELECT md5(string_agg(p::text, ',' ORDER BY market, symbol, as_of_date)) FROM predictions p")
            .scalar

        try Migrator.migrate(db)
        let after = try db.query("SELECT md5(string_agg(p::text, ',' ORDER BY market, symbol, as_of_date)) FROM predictions p")
            .scalar
        #expect(after == before)
        let indexes = try db.query("""
            SELECT indexrelid::regclass::text, pg_get_indexdef(indexrelid) FROM pg_index
            WHERE indrelid = 'predictions'::regclass
            """).rows
        #expect(indexes.count == 1, "\(indexes)")
        #expect(indexes.first?[0] == "predictions_pkey")
        #expect(indexes.first?[1]?.hasSuffix("(market, as_of_date, symbol)") == true, "\(indexes)")
        // Still one prediction per (market, symbol, day): a second is refused, the upsert replaces.
        #expect(throws: PGError.self) {
            try db.execute("""
                INSERT INTO predictions (market, symbol, as_of_date, target_date, predicted_return, model_kind,
                                         is_fallback, run_id)
                VALUES ('nepse', 'S1', '2024-01-05', '2024-01-06', 9, 'linear', false, 2)
                """)
        }
        try db.execute("""
            INSERT INTO predictions (market, symbol, as_of_date, target_date, predicted_return, model_kind,
                                     is_fallback, run_id)
            VALUES ('nepse', 'S1', '2024-01-05', '2024-01-06', 9, 'linear', false, 2)
            ON CONFLICT (market, symbol, as_of_date) DO UPDATE SET predicted_return = EXCLUDED.predicted_return
            """)
        #expect(try db.query("""
            SELECT predicted_return FROM predictions WHERE market = 'nepse' AND symbol = 'S1' AND as_of_date = '2024-01-05'
            """).scalar == "9")
        #expect(try db.query("SELECT count(*) FROM predictions").scalar == "600")
    }
}
