import ClosebellCore
import ClosebellStorage
import Foundation
import Testing

/// SPEC §1: serving sees the rows training saw. Rows whose Close is usable load even when their
/// Open, High, Low or Volume is zero, negative, empty or unparsable (flagged), so the features
/// computed from what ingest loaded equal pandas' features from the raw files, every value.
@Suite("Ingest keeps every row training kept", .serialized,
       .enabled(if: TestServers.databaseShouldRun && (ProcessInfo.processInfo.environment["CLOSEBELL_PYTHON"] != nil
                                                       || ProcessInfo.processInfo.environment["CLOSEBELL_REQUIRE_SERVERS"] == "1"),
                "needs PostgreSQL and the Python venv: run ops/test"))
struct IngestParityTests {
    /// Messy rows of the kinds real exchange files hold, appended to every daily file.
    static func appendMessyRows(_ paths: [String]) throws {
        for (i, p) in paths.sorted().enumerated() {
            let day = DailyFileName(p)!.day
            let c = 180 + Double(i % 7) * 0.5 + Double(i) * 0.03
            var rows = [
                "\(day),GMFIL,181.0,0.0,0.0,\(c),1715",           // as in the real 2013-10-22 NEPSE file
                "\(day),EMPTYF,,,,\(c + 3),",                      // only a Close
                "\(day),JUNKF,n/a,abc,-1,\(c - 7),-5",             // unparsable and negative
            ]
            // BADC's Close is unusable every fourth day: rejected here and dropped by pandas alike.
            rows.append(i % 4 == 0 ? "\(day),BADC,10,11,9,0,100" : "\(day),BADC,10,11,9,\(c / 10),100")
            let h = try FileHandle(forWritingTo: URL(fileURLWithPath: p))
            h.seekToEndOfFile()
            h.write(Data((rows.joined(separator: "\n") + "\n").utf8))
            try h.close()
        }
    }

    @Test("features from what ingest loaded equal pandas' from the raw files, messy rows included")
    func featuresMatchTraining() throws {
        let c = try Cluster(symbols: 20, days: 60)
        let paths = try DailyFiles.list([c.dir + "/data"])
        try Self.appendMessyRows(paths)
        // The files changed: ingest replaces their rows.
        #expect(try c.coordinator(["ingest", c.dir + "/data"]) == 0)
        let python = try #require(ProcessInfo.processInfo.environment["CLOSEBELL_PYTHON"], "CLOSEBELL_PYTHON is not set")
        let script = TestServers.root.appendingPathComponent("Tests/parity/training_features.py").path
        #expect(try ChildProcess.run(python, [script, c.dir + "/data", c.dir + "/pandas.csv"], outputPath: c.dir + "/python.log") == 0)
        let ref = try CSVTable.read(path: c.dir + "/pandas.csv")

        let db = try c.db()
        defer { db.close() }
        let store = MarketStore(db: db)
        let symbols = try db.query("SELECT DISTINCT symbol FROM ohlcv WHERE market = 'nepse'").rows.map { $0[0]! }
        let series = try store.windows(symbols, market: "nepse", through: c.day, rows: 100_000)
        let engine = FeatureEngine()
        var ours: [String: [Double]] = [:]
        for (sym, s) in series {
            let m = engine.compute(s)
            for r in m.completeRows { ours["\(sym)|\(m.days[r])"] = m.row(r) }
        }
        #expect(ours.count == ref.rows.count)
        var compared = 0
        for row in ref.rows {
            guard let mine = ours["\(row[0])|\(row[1])"] else {
                Issue.record("pandas kept \(row[0]) \(row[1]) but the loaded rows do not give it"); continue
            }
            for (j, text) in row.dropFirst(2).enumerated() {
                let want = Double(text)!, got = mine[j]
                let same = got == want || (got.isNaN && want.isNaN) || abs(got - want) <= 1e-9 * max(abs(got), abs(want))
                if !same { Issue.record("\(row[0]) \(row[1]) \(engine.names[j]): loaded \(got), pandas \(want)") }
                compared += 1
            }
        }
        #expect(compared > 1_000)
        for sym in ["GMFIL", "EMPTYF", "JUNKF"] {
            #expect(ref.rows.contains { $0[0] == sym }, "pandas has features for \(sym)")
        }
        // Each problem flagged with its field, each unusable Close rejected with the reason.
        func count(_ sql: String) throws -> Int { Int(try db.query(sql).scalar ?? "0") ?? 0 }
        let files = paths.count
        #expect(try count("SELECT count(*) FROM data_quality WHERE symbol = 'GMFIL' AND anomaly = 'low_not_positive'") == files)
        #expect(try count("SELECT count(*) FROM data_quality WHERE symbol = 'EMPTYF' AND anomaly = 'volume_missing'") == files)
        #expect(try count("SELECT count(*) FROM data_quality WHERE symbol = 'JUNKF' AND anomaly = 'high_unparsable'") == files)
        #expect(try count("SELECT count(*) FROM ohlcv WHERE symbol = 'EMPTYF' AND open IS NULL AND volume IS NULL") == files)
        #expect(try count("SELECT count(*) FROM ingest_rejects WHERE reason = 'non-positive Close 0.0'") == (files + 3) / 4)
    }

    @Test("--strict rejects the rows a lenient ingest flags")
    func strictRejects() throws {
        let c = try Cluster(symbols: 5, days: 20)
        let paths = try DailyFiles.list([c.dir + "/data"])
        try Self.appendMessyRows(paths)
        #expect(try c.coordinator(["ingest", "--strict", c.dir + "/data"]) == 0)
        let db = try c.db()
        defer { db.close() }
        #expect(try db.query("SELECT count(*) FROM ohlcv WHERE symbol IN ('GMFIL', 'EMPTYF', 'JUNKF')").scalar == "0")
        let strict = try db.query("""
            SELECT count(*) FROM ingest_rejects
            WHERE reason LIKE 'strict mode:%' AND split_part(raw, ',', 2) IN ('GMFIL', 'EMPTYF', 'JUNKF')
            """).scalar
        #expect(strict == String(3 * paths.count))
    }
}
