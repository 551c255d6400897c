import ClosebellStorage
import Foundation
import Testing

/// Migration 15: the names in `ohlcv`, `data_quality` and `predictions` compare byte by byte,
/// whatever the database's locale, and nothing else about the tables changes.
@Suite("names compare byte by byte (migration 15)", .serialized,
       .enabled(if: TestServers.databaseShouldRun, TestServers.databaseSkipReason))
struct ByteOrderTests {
    /// Names a linguistic collation orders differently from their bytes (case, accents, prefixes).
    static let names = ["b", "B", "a", "Z", "é", "e", "AB", "A", "Ab", "ÄX"]
    static let byteOrder = names.sorted { Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8)) }

    @Test("in an en-US database, names sort in UTF-8 byte order after it; rows, outcomes and the analyst's view stay")
    func byteOrderInALinguisticDatabase() throws {
        try withLinguisticDatabase { db in
            try Migrator.migrate(db, migrations: Schema.migrations.filter { $0.version < 15 })
            try seed(db)
            // The locale's order is not byte order, so the checks below can tell the two apart.
            #expect(try ordered(db, "ohlcv") != Self.byteOrder)
            let before = try outcomes(db)
            #expect(before.count == Self.names.count)

            try Migrator.migrate(db)
            for table in ["ohlcv", "data_quality", "predictions"] {
                #expect(try ordered(db, table) == Self.byteOrder, "\(table)")
            }
            #expect(try db.query("SELECT count(*) FROM ohlcv").scalar == "\(Self.names.count * 2)")
            #expect(try outcomes(db) == before)
            // Equality is unchanged: a name finds its rows, and only its own.
            #expect(try db.query("SELECT count(*) FROM ohlcv WHERE symbol = $1", ["É"]).scalar == "0")
            #expect(try db.query("SELECT count(*) FROM ohlcv WHERE symbol = $1", ["é"]).scalar == "2")

            try db.execute("SET ROLE \(Schema.analystRole)")
            #expect(try db.query("SELECT count(*) FROM prediction_outcomes").scalar == "\(Self.names.count)")
            try db.execute("RESET ROLE")

            // A first history load drops and rebuilds the keys: they keep the byte order.
            let store = MarketStore(db: db)
            try db.transaction {
                try store.dropOHLCVIndexes()
                try store.restoreOHLCVIndexes()
            }
            let collation = try db.query("""
                SELECT c.collname FROM pg_index i JOIN pg_collation c ON c.oid = i.indcollation[0]
                WHERE i.indexrelid = 'ohlcv_pkey'::regclass
                """).scalar
            #expect(collation == "C")
        }
    }

    /// Each name: two days in `ohlcv`, a flag in `data_quality`, a prediction on the first day.
    func seed(_ db: PGConnection) throws {
        for (i, name) in Self.names.enumerated() {
            for (day, close) in [("2024-01-02", 10.0 + Double(i)), ("2024-01-03", 11.0 + Double(i))] {
                try db.query("""
                    INSERT INTO ohlcv (market, symbol, trading_date, open, high, low, close, volume, source_file)
                    VALUES ('nepse', $1, $2::date, 1, 1, 1, $3, 1, 'f.csv')
                    """, [name, day, close])
            }
            try db.query("""
                INSERT INTO data_quality (market, file_name, line, symbol, trading_date, anomaly)
                VALUES ('nepse', 'f.csv', $1, $2, '2024-01-02', 'zero_volume')
                """, [i + 2, name])
            try db.query("""
                INSERT INTO predictions (market, symbol, as_of_date, target_date, predicted_return, model_kind,
                                         is_fallback, run_id)
                VALUES ('nepse', $1, '2024-01-02', '2024-01-03', 0.5, 'linear', false, 1)
                """, [name])
        }
    }

    /// The distinct names of `table`, in the order PostgreSQL sorts them.
    func ordered(_ db: PGConnection, _ table: String) throws -> [String] {
        try db.query("SELECT DISTINCT symbol FROM \(table) ORDER BY symbol").rows.map { $0[0]! }
    }

    /// Every outcome, as text, in a fixed order.
    func outcomes(_ db: PGConnection) throws -> [[String?]] {
        try db.query("""
            SELECT symbol, as_of_date, target_date, realised_return, direction_hit FROM prediction_outcomes
            """).rows.sorted { Array(($0[0] ?? "").utf8).lexicographicallyPrecedes(Array(($1[0] ?? "").utf8)) }
    }

    /// A database of its own whose default collation is ICU's en-US (b before B, é beside e).
    func withLinguisticDatabase(_ body: (PGConnection) throws -> Void) throws {
        let name = "t\(UUID().uuidString.prefix(8).lowercased())"
        let admin = try TestServers.connectDB()
        try admin.execute("""
            CREATE DATABASE \(name) TEMPLATE template0 LOCALE_PROVIDER icu ICU_LOCALE 'en-US' LOCALE 'C.UTF-8'
            """)
        defer { try? admin.execute("DROP DATABASE IF EXISTS \(name) WITH (FORCE)"); admin.close() }
        var parts = URLComponents(string: TestServers.databaseURL)!
        parts.path = "/\(name)"
        let db = try PGConnection(parts.string!)
        defer { db.close() }
        try body(db)
    }
}
