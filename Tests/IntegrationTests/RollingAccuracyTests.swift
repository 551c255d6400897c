import ClosebellCore
@testable import ClosebellStorage
import Foundation
import Testing

/// The degradation check reads each model's latest rolling accuracy from its last 140 as-of
/// dates only; what it reads must be what `model_accuracy_daily` (the view over every date) says.
@Suite("Latest rolling accuracy per model", .serialized,
       .enabled(if: TestServers.databaseShouldRun, TestServers.databaseSkipReason))
struct RollingAccuracyTests {
    /// The view's latest row per model (on or before `asOf`): the reference.
    func fromView(_ db: PGConnection, asOf: Day?) throws -> [RollingAccuracy] {
        try db.query("""
            SELECT DISTINCT ON (model_kind, model_hash) model_kind, model_hash, as_of_date::text,
                   rolling_n_20, rolling_mae_20, rolling_hit_rate_20, baseline_mae_120, baseline_days_120, rolling_days_20
            FROM model_accuracy_daily WHERE $1::date IS NULL OR as_of_date <= $1
            ORDER BY model_kind, model_hash, as_of_date DESC
            """, [asOf?.description]).decode(RollingAccuracy.init(row:))
    }

    /// Models: 400 days every day; 30 days; every third day of 500; one that stopped long ago;
    /// a per-symbol model family. Sums are random, hits sometimes zero.
    func seed(_ db: PGConnection) throws {
        try db.execute("""
                INSERT INTO accuracy_daily (market, model_kind, model_hash, as_of_date, n, sum_abs, sum_sq, n_direction, hits)
                SELECT 'nepse', m.kind, m.hash, DATE '2023-01-02' + d, 1 + (random() * 300)::int,
                       random() * 50, random() * 400, (random() * 200)::int, (random() * 100)::int
                FROM (VALUES ('xgboost', 'long', 400, 1, 0), ('linear', 'short', 30, 1, 370),
                             ('lightgbm', 'sparse', 500, 3, 0), ('xgboost', 'ended', 200, 1, 0)) m(kind, hash, days, step, start)
                CROSS JOIN LATERAL generate_series(m.start, m.start + m.days - 1, m.step) d
                UNION ALL
                SELECT 'nepse', 'xgboost', 'sym' || s, DATE '2023-01-02' + d, 1, random(), random(), 1, (random() < 0.5)::int
                FROM generate_series(1, 40) s CROSS JOIN generate_series(250, 399) d
                """)
    }

    @Test("the charts' history from any date equals the view's rows from it, bit for bit")
    func historyEqualsTheView() throws {
        try TestServers.withFreshDatabase { url in
            let db = try PGConnection(url)
            defer { db.close() }
            try seed(db)
            let store = OutcomeStore(db: db)
            for from in ["2022-01-01", "2023-01-02", "2023-03-01", "2023-07-20", "2024-01-15", "2030-01-01"] {
                let want = try db.query("""
                    SELECT model_kind, model_hash, as_of_date::text, rolling_n_20, rolling_mae_20, rolling_hit_rate_20,
                           baseline_mae_120, baseline_days_120, rolling_days_20
                    FROM model_accuracy_daily WHERE as_of_date >= $1 ORDER BY model_kind, model_hash, as_of_date
                    """, [from]).decode(RollingAccuracy.init(row:))
                let got = try store.rollingHistory(from: Day(iso: from)!)
                let differ = zip(got, want).first { $0 != $1 }
                #expect(got.count == want.count && differ == nil,
                        "from \(from): \(got.count) rows, the view \(want.count); first difference: \(differ as Any)")
                if from == "2023-07-20" { #expect(want.count > 1000) }
            }
        }
    }

    @Test("equal to the view's latest rows, bit for bit: long, short, sparse and ended histories, any as-of date")
    func equalsTheView() throws {
        try TestServers.withFreshDatabase { url in
            let db = try PGConnection(url)
            defer { db.close() }
            try seed(db)
            let store = OutcomeStore(db: db)
            for asOf in [nil, Day(iso: "2024-01-15"), Day(iso: "2023-03-01"), Day(iso: "2022-01-01")] {
                let want = try fromView(db, asOf: asOf)
                #expect(try store.rolling(asOf: asOf) == want, "as of \(asOf?.description ?? "latest")")
                if asOf == nil { #expect(want.count == 44) }
            }
            // The view reached more than 140 dates back for none of them: still equal with the
            // sparse model's 500 days spread over 1,500.
            #expect(try db.query("SELECT count(*) FROM accuracy_daily WHERE model_hash = 'sparse'").scalar == "167")
        }
    }

    @Test("a model predicted in two markets: its days are summed over both, as in the view")
    func twoMarkets() throws {
        try TestServers.withFreshDatabase { url in
            let db = try PGConnection(url)
            defer { db.close() }
            try db.execute("""
                INSERT INTO accuracy_daily (market, model_kind, model_hash, as_of_date, n, sum_abs, sum_sq, n_direction, hits)
                SELECT mk, 'linear', '', DATE '2024-01-01' + d, 10, d * 0.25, d * 0.5, 10, d % 7
                FROM unnest(ARRAY['nepse', 'bse']) mk CROSS JOIN generate_series(0, 199) d
                """)
            let got = try OutcomeStore(db: db).rolling()
            #expect(got == (try fromView(db, asOf: nil)))
            #expect(got.first?.n20 == 400)
        }
    }
}
