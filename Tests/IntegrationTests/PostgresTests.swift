import ClosebellStorage
import Foundation
import Testing

@Suite("PostgreSQL layer against a real server", .serialized,
       .enabled(if: TestServers.shouldRun, TestServers.skipReason))
struct PostgresTests {
    @Test("COPY of 1,000,000 rows loads every row")
    func copyMillion() throws {
        let db = try TestServers.connectDB()
        try db.execute("CREATE TEMP TABLE copy_test (id bigint, symbol text, price double precision, note text)")
        let n = 1_000_000
        let copied = try db.copyIn("COPY copy_test FROM STDIN") { w in
            for i in 0..<n {
                w.add(i)
                w.add("SYM\(i % 300)")
                w.add(Double(i) * 0.1)
                w.add(i % 1000 == 0 ? nil : "tab\there\\back\nnewline")
                try w.endRow()
            }
        }
        #expect(copied == n)
        let r = try db.query("SELECT count(*), sum(id), count(note), min(note) FROM copy_test")
        #expect(r.rows[0][0] == String(n))
        #expect(r.rows[0][1] == String(n * (n - 1) / 2))
        #expect(r.rows[0][2] == String(n - n / 1000))
        #expect(r.rows[0][3] == "tab\there\\back\nnewline")
    }

    @Test("a COPY with a bad row fails with the server's SQLSTATE and loads nothing")
    func copyBadRow() throws {
        let db = try TestServers.connectDB()
        try db.execute("CREATE TEMP TABLE copy_bad (id bigint NOT NULL)")
        let error = #expect(throws: PGError.self) {
            try db.copyIn("COPY copy_bad FROM STDIN") { w in
                w.add(1); try w.endRow()
                w.add("not-a-number"); try w.endRow()
            }
        }
        #expect(error?.sqlState == "22P02")
        #expect(try db.query("SELECT count(*) FROM copy_bad").scalar == "0")
    }

    @Test("migrate twice is a no-op")
    func migrateTwice() throws {
        let db = try TestServers.connectDB()
        try Migrator.migrate(db)
        let again = try Migrator.migrate(db)
        #expect(again.isEmpty)
        #expect(try Migrator.currentVersion(db) == Schema.migrations.map(\.version).max())
    }

    @Test("the analyst role can read and cannot write")
    func analystRole() throws {
        let db = try TestServers.connectDB()
        try Migrator.migrate(db)
        try db.execute("SET ROLE \(Schema.analystRole)")
        defer { try? db.execute("RESET ROLE") }
        _ = try db.query("SELECT count(*) FROM predictions")
        _ = try db.query("SELECT count(*) FROM runs")
        // The accuracy views and the alerts, documented in the README for analysts.
        _ = try db.query("SELECT * FROM prediction_outcomes LIMIT 1")
        _ = try db.query("SELECT * FROM model_accuracy_daily LIMIT 1")
        _ = try db.query("SELECT count(*) FROM alerts")
        for sql in ["UPDATE predictions SET predicted_return = 0", "DELETE FROM alerts",
                    "INSERT INTO alerts (model_kind, model_hash, as_of_date, reasons, message) VALUES ('x', '', '2024-01-01', '{}', 'x')",
                    "DELETE FROM prediction_outcomes"] {
            let e = #expect(throws: PGError.self, "\(sql)") { try db.query(sql) }
            #expect(e?.sqlState == "42501" || e?.sqlState == "55000", "\(sql): \(e?.sqlState ?? "-")")
        }
        let write = #expect(throws: PGError.self) {
            try db.query("INSERT INTO runs (as_of_date, status) VALUES ('2024-01-01', 'queued')")
        }
        #expect(write?.sqlState == "42501")
        let delete = #expect(throws: PGError.self) { try db.query("DELETE FROM predictions") }
        #expect(delete?.sqlState == "42501")
    }

    @Test("transactions roll back on error; parameters are never spliced into SQL")
    func transactionsAndParameters() throws {
        let db = try TestServers.connectDB()
        try db.execute("CREATE TEMP TABLE tx_test (k text PRIMARY KEY)")
        #expect(throws: PGError.self) {
            try db.transaction {
                try db.query("INSERT INTO tx_test VALUES ($1)", ["a"])
                try db.query("INSERT INTO tx_test VALUES ($1)", ["a"])  // unique violation
            }
        }
        #expect(try db.query("SELECT count(*) FROM tx_test").scalar == "0")
        let evil = "x'); DROP TABLE tx_test; --"
        try db.query("INSERT INTO tx_test VALUES ($1)", [evil])
        #expect(try db.query("SELECT k FROM tx_test").scalar == evil)
    }

    @Test("advisory locks exclude a second session")
    func advisoryLock() throws {
        let a = try TestServers.connectDB(), b = try TestServers.connectDB()
        let key: Int64 = 987_654_321
        #expect(try a.tryAdvisoryLock(key))
        #expect(try b.tryAdvisoryLock(key) == false)
        try a.advisoryUnlock(key)
        #expect(try b.tryAdvisoryLock(key))
        try b.advisoryUnlock(key)
    }

    @Test("bad input: wrong password, unreachable host, malformed URL, bad SQL each give one clear error")
    func badInput() throws {
        let good = TestServers.databaseURL
        let wrongPassword = good.replacingOccurrences(of: ":closebell@", with: ":wrong-pass@")
        let auth = #expect(throws: PGError.self) { try PGConnection(wrongPassword) }
        #expect(auth?.description.contains("password authentication failed") == true)
        #expect(auth?.description.contains("wrong-pass") == false)
        #expect(auth?.description.contains("\n") == false)
        let down = #expect(throws: PGError.self) { try PGConnection("postgresql://u:p@127.0.0.1:1/x", connectTimeoutSeconds: 2) }
        #expect(down?.description.contains("127.0.0.1") == true)
        #expect(down?.isConnectionLoss == true)
        let malformed = #expect(throws: PGError.self) { try PGConnection("mysql//oops") }
        #expect(malformed?.description.contains("malformed database URL") == true)
        let db = try TestServers.connectDB()
        let sql = #expect(throws: PGError.self) { try db.query("SELECT * FROM no_such_table") }
        #expect(sql?.sqlState == "42P01")
        #expect(sql?.message.contains("no_such_table") == true)
    }
}
