import ClosebellCoordinator
import ClosebellCore
import ClosebellStorage
import Foundation
import Testing

/// `coordinator export`: every value and type as pyarrow, DuckDB and Python's csv module read them.
@Suite("Export to CSV and Parquet", .serialized, .enabled(if: TestServers.shouldRun, TestServers.skipReason))
struct ExportTests {
    /// A cluster with backfilled predictions plus rows made to trip writers: a comma, quotes, a
    /// newline and non-ASCII in symbols, NULL model path, hash and chunk, a negative zero.
    func cluster() throws -> (Cluster, first: String, last: String) {
        let c = try Cluster(symbols: 12, days: 40)
        let days = try c.db().query("SELECT DISTINCT trading_date FROM ohlcv ORDER BY 1 DESC LIMIT 8").rows.map { $0[0]! }
        try c.startWorkers(2)
        defer { c.stopWorkers() }
        let (code, said) = try c.coordinatorOutput(["backfill", "--from", days.last!, "--to", days.first!])
        #expect(code == 0, "\(said)")
        let db = try c.db()
        defer { db.close() }
        try db.query("""
            INSERT INTO predictions (market, symbol, as_of_date, target_date, predicted_return, model_kind, model_path, model_hash,
                                     is_fallback, run_id, chunk_no, predicted_at)
            SELECT 'nepse', s, $1::date, $1::date + 1, v, 'fallback', NULL, NULL, true, (SELECT max(run_id) FROM runs), NULL,
                   '2024-02-29 23:59:59.123456+00'
            FROM unnest(ARRAY['A,B', 'say "hi"', E'two\\nlines', 'Ünïcödé', ' spaced ']) WITH ORDINALITY u(s, k)
            CROSS JOIN LATERAL (SELECT CASE k WHEN 1 THEN -0.0::float8 WHEN 2 THEN 1e-300 ELSE k * 0.1 END) x(v)
            """, [days.first!])
        return (c, days.last!, days.first!)
    }

    /// The rows as PostgreSQL gives them, in the text forms the readers' values are turned into.
    func expected(_ c: Cluster, where condition: String = "TRUE") throws -> [String: [String?]] {
        let db = try c.db()
        defer { db.close() }
        var out: [String: [String?]] = [:]
        for r in try db.query("""
            SELECT symbol, as_of_date::text, target_date::text, predicted_return::text, model_kind, model_path, model_hash,
                   CASE WHEN is_fallback THEN 'true' ELSE 'false' END, run_id::text, chunk_no::text,
                   to_char(predicted_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'), market
            FROM predictions WHERE \(condition)
            """).rows { out["\(r[0]!)|\(r[1]!)"] = r }
        return out
    }

    func read(_ c: Cluster, _ file: String, _ format: String) throws -> [String: Any] {
        let python = try #require(ProcessInfo.processInfo.environment["CLOSEBELL_PYTHON"], "CLOSEBELL_PYTHON is not set")
        let script = TestServers.root.appendingPathComponent("Tests/parity/read_export.py").path
        #expect(try ChildProcess.run(python, [script, file, format, c.dir + "/read.json"], outputPath: c.dir + "/python.log") == 0,
                "\((try? String(contentsOfFile: c.dir + "/python.log", encoding: .utf8)) ?? "")")
        let data = try Data(contentsOf: URL(fileURLWithPath: c.dir + "/read.json"))
        return try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
    }

    /// Every row read equals the stored row: text exactly, numbers to the bit.
    func compare(_ rows: [[Any]], _ expected: [String: [String?]], _ label: String) {
        #expect(rows.count == expected.count, "\(label): \(rows.count) rows, \(expected.count) stored")
        var differ: [String] = []
        for row in rows {
            let cells = row.map { $0 as? String }
            guard let e = expected["\(cells[0] ?? "")|\(cells[1] ?? "")"] else { differ.append("\(label): unexpected \(cells)"); continue }
            for (i, (got, want)) in zip(cells, e).enumerated() {
                let same = i == 3 ? Double(got ?? "x")?.bitPattern == Double(want ?? "y")?.bitPattern : got == want
                if !same { differ.append("\(label) \(PredictionExport.columns[i].name): \(got ?? "NULL") vs \(want ?? "NULL")") }
            }
        }
        let mismatches = differ.count
        #expect(mismatches == 0, "\(differ.prefix(5))")
    }

    @Test("Parquet read back by pyarrow and DuckDB: every value, every type, NULLs as NULL")
    func parquet() throws {
        let (c, first, last) = try cluster()
        let file = c.dir + "/out.parquet"
        let (code, said) = try c.coordinatorOutput(["export", "--from", first, "--to", last, "--format", "parquet", "--out", file])
        #expect(code == 0, "\(said)")
        let r = try read(c, file, "parquet")
        let expected = try expected(c, where: "as_of_date BETWEEN '\(first)' AND '\(last)'")
        #expect(expected.count > 80)
        compare(try #require(r["pyarrow_rows"] as? [[Any]]), expected, "pyarrow")
        compare(try #require(r["duckdb_rows"] as? [[Any]]), expected, "duckdb")
        #expect(r["pyarrow_types"] as? [String: String] == [
            "symbol": "string", "as_of_date": "date32[day]", "target_date": "date32[day]", "predicted_return": "double",
            "model_kind": "string", "model_path": "string", "model_hash": "string", "is_fallback": "bool", "run_id": "int64",
            "chunk_no": "int32", "predicted_at": "timestamp[us, tz=UTC]", "market": "string",
        ])
        let nullable = try #require(r["pyarrow_nullable"] as? [String: Bool])
        #expect(nullable.filter(\.value).keys.sorted() == ["chunk_no", "model_hash", "model_path"])
        let duck = try #require(r["duckdb_types"] as? [String: String])
        #expect(duck["predicted_at"] == "TIMESTAMP WITH TIME ZONE" && duck["as_of_date"] == "DATE" && duck["run_id"] == "BIGINT"
                && duck["predicted_return"] == "DOUBLE" && duck["is_fallback"] == "BOOLEAN" && duck["symbol"] == "VARCHAR"
                && duck["chunk_no"] == "INTEGER", "\(duck)")
    }

    @Test("Parquet: many row groups, and a dictionary that outgrows its limit mid-group (PLAIN from there), read back whole")
    func parquetRowGroupsAndDictionaryFallback() throws {
        let (c, first, last) = try cluster()
        let db = try c.db()
        // 70,000 distinct symbols on one day: more than a dictionary may hold.
        try db.query("""
            INSERT INTO predictions (market, symbol, as_of_date, target_date, predicted_return, model_kind, model_path, model_hash,
                                     is_fallback, run_id, chunk_no, predicted_at)
            SELECT 'nepse', 'Z' || lpad(i::text, 6, '0'), $1::date, $1::date + 1, i * 1e-3, 'linear', '/m/_global/model.json',
                   md5(i::text), false, (SELECT max(run_id) FROM runs), i % 7, now()
            FROM generate_series(1, 70000) i
            """, [first])
        db.close()
        let expected = try expected(c, where: "as_of_date BETWEEN '\(first)' AND '\(last)'")
        for groupSize in ["100000", "997"] {
            let file = c.dir + "/rg\(groupSize).parquet"
            let (code, said) = try c.coordinatorOutput(["export", "--from", first, "--to", last, "--format", "parquet",
                                                        "--row-group-size", groupSize, "--out", file])
            #expect(code == 0, "\(said)")
            let r = try read(c, file, "parquet")
            compare(try #require(r["pyarrow_rows"] as? [[Any]]), expected, "pyarrow, row groups of \(groupSize)")
            compare(try #require(r["duckdb_rows"] as? [[Any]]), expected, "duckdb, row groups of \(groupSize)")
        }
    }

    @Test("CSV per RFC 4180, to a file and to standard output; --symbols filters; bad flags are named")
    func csv() throws {
        let (c, first, last) = try cluster()
        let file = c.dir + "/out.csv"
        let (code, said) = try c.coordinatorOutput(["export", "--from", first, "--to", last, "--out", file])
        #expect(code == 0, "\(said)")
        let r = try read(c, file, "csv")
        #expect(r["header"] as? [String] == PredictionExport.columns.map(\.name))
        #expect(r["crlf"] as? Bool == true)
        let rows = try #require(r["rows"] as? [[String]]).map { $0.map { $0.isEmpty ? nil : $0 } as [Any] }
        var expected = try expected(c, where: "as_of_date BETWEEN '\(first)' AND '\(last)'")
        for (k, v) in expected { expected[k] = v.map { $0 == "" ? nil : $0 } }
        compare(rows.map { $0.map { $0 as Any } }, expected, "csv")

        let some = try #require(try c.db().query("SELECT min(symbol) FROM predictions WHERE symbol ~ '^[A-Z]+$'").scalar)
        let (code2, text) = try c.coordinatorOutput(["export", "--from", first, "--to", last, "--symbols", "\(some),A,B", "--out", "-"])
        #expect(code2 == 0)
        let lines = text.split(separator: "\r\n")
        #expect(lines.count - 1 == (try c.count("SELECT count(*) FROM predictions WHERE symbol = $1 AND as_of_date BETWEEN $2 AND $3",
                                                 [some, first, last])))
        let (bad, why) = try c.coordinatorOutput(["export", "--from", last, "--to", first, "--out", file])
        #expect(bad != 0 && why.contains("is after --to"))
        let (bad2, why2) = try c.coordinatorOutput(["export", "--from", first, "--to", last, "--format", "xlsx", "--out", file])
        #expect(bad2 != 0 && why2.contains("--format must be csv or parquet"))
    }
}
