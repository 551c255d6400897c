import ClosebellCore
import ClosebellStorage
import Foundation
import Testing

/// Realised returns and accuracy (`prediction_outcomes`, `model_accuracy_daily`, `coordinator
/// accuracy`) against pandas computing the same from the same files and predictions.
@Suite("Realised returns and accuracy", .serialized, .enabled(if: TestServers.shouldRun, TestServers.skipReason))
struct AccuracyTests {
    /// A backfill over the last 30 days, then a corrected file for one day: one symbol halted
    /// (its row removed) and another's close changed.
    func preparedCluster() throws -> (Cluster, halted: String, haltDay: String) {
        let c = try Cluster(symbols: 20, days: 80)
        let days = try c.db().query("SELECT DISTINCT trading_date FROM ohlcv ORDER BY 1 DESC LIMIT 30").rows.map { $0[0]! }
        try c.startWorkers(2)
        defer { c.stopWorkers() }
        let (code, said) = try c.coordinatorOutput(["backfill", "--from", days.last!, "--to", days.first!])
        #expect(code == 0, "\(said)")
        let haltDay = days[10]
        let path = c.dir + "/data/nepse_\(haltDay.replacingOccurrences(of: "-", with: "")).csv"
        var lines = try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n").map(String.init)
        let halted = lines[1].split(separator: ",")[1]
        lines.remove(at: 1)
        var f = lines[1].split(separator: ",", omittingEmptySubsequences: false).map(String.init)
        f[5] = String(Double(f[5])! * 1.01)
        lines[1] = f.joined(separator: ",")
        try (lines.joined(separator: "\n") + "\n").write(toFile: path, atomically: true, encoding: .utf8)
        let (again, said2) = try c.coordinatorOutput(["ingest", path])
        #expect(again == 0 && said2.contains("replaced"), "\(said2)")
        return (c, String(halted), haltDay)
    }

    func pandas(_ c: Cluster) throws -> [String: Any] {
        let db = try c.db()
        defer { db.close() }
        var csv = "symbol,as_of_date,predicted_return,model_kind,model_hash\n"
        for r in try db.query("SELECT symbol, as_of_date, predicted_return, model_kind, coalesce(model_hash, '') FROM predictions").rows {
            csv += r.map { $0! }.joined(separator: ",") + "\n"
        }
        try csv.write(toFile: c.dir + "/predictions.csv", atomically: true, encoding: .utf8)
        let python = try #require(ProcessInfo.processInfo.environment["CLOSEBELL_PYTHON"], "CLOSEBELL_PYTHON is not set")
        let script = TestServers.root.appendingPathComponent("Tests/parity/accuracy_reference.py").path
        #expect(try ChildProcess.run(python, [script, c.dir + "/data", c.dir + "/predictions.csv", c.dir + "/pandas.json"],
                                     outputPath: c.dir + "/python.log") == 0, "\(c.output("python"))")
        let data = try Data(contentsOf: URL(fileURLWithPath: c.dir + "/pandas.json"))
        return try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
    }

    static func close(_ a: Double, _ b: Double) -> Bool { abs(a - b) <= 1e-12 * max(1, abs(b)) }

    @Test("every outcome equals pandas' shift(-1) of the Return, halts and corrected files included; no outcome is invented")
    func outcomesEqualPandas() throws {
        let (c, halted, haltDay) = try preparedCluster()
        let ref = try pandas(c)
        let db = try c.db()
        defer { db.close() }
        var ours: [String: [String?]] = [:]
        for r in try db.query("""
            SELECT symbol, as_of_date, target_date, realised_return, abs_error, direction_hit FROM prediction_outcomes
            """).rows { ours["\(r[0]!)|\(r[1]!)"] = r }
        let outcomes = try #require(ref["outcomes"] as? [[Any]])
        #expect(outcomes.count > 400)
        #expect(ours.count == outcomes.count, "pandas has \(outcomes.count) outcomes, the view \(ours.count)")
        var differ: [String] = []
        for o in outcomes {
            let key = "\(o[0])|\(o[1])"
            guard let mine = ours[key] else { differ.append("\(key) missing"); continue }
            let hit: String? = o[5] is NSNull ? nil : ((o[5] as? Bool) ?? (o[5] as? NSNumber)?.boolValue ?? false) ? "t" : "f"
            let realised = Double(o[3] as? String ?? "") ?? .nan, absError = Double(o[4] as? String ?? "") ?? .nan
            if mine[2] != o[2] as? String || Double(mine[3]!)!.bitPattern != realised.bitPattern
                || Double(mine[4]!)!.bitPattern != absError.bitPattern || mine[5] != hit {
                differ.append("\(key): \(mine) vs \(o)")
            }
        }
        let mismatches = differ.count
        #expect(mismatches == 0, "\(differ.prefix(3))")
        // The halted symbol's prediction before the halt is judged against the day after it,
        // and `predictions.target_date` says so; the last day has no outcome yet.
        let before = try #require(try db.query("""
            SELECT max(as_of_date) FROM predictions WHERE symbol = $1 AND as_of_date < $2
            """, [halted, haltDay]).scalar)
        let came = try #require(try db.query("""
            SELECT min(trading_date) FROM ohlcv WHERE symbol = $1 AND trading_date > $2
            """, [halted, haltDay]).scalar)
        #expect(ours["\(halted)|\(before)"]?[2] == came)
        #expect(try db.query("SELECT target_date FROM predictions WHERE symbol = $1 AND as_of_date = $2",
                             [halted, before]).scalar == came)
        #expect(try c.count("""
            SELECT count(*) FROM prediction_outcomes WHERE as_of_date = (SELECT max(trading_date) FROM ohlcv)
            """) == 0)
    }

    @Test("model_accuracy_daily equals pandas: per day and rolling over the model's last 20 days, the 120-day baseline")
    func dailyViewEqualsPandas() throws {
        let (c, _, _) = try preparedCluster()
        let ref = try #require(try pandas(c)["daily"] as? [[String: Any]])
        let db = try c.db()
        defer { db.close() }
        let rows = try db.query("""
            SELECT model_kind, model_hash, as_of_date::text, n, mae, rmse, hit_rate, rolling_mae_20, rolling_rmse_20,
                   rolling_hit_rate_20, baseline_mae_120, baseline_days_120
            FROM model_accuracy_daily ORDER BY model_kind, model_hash, as_of_date
            """).rows
        #expect(rows.count == ref.count && rows.count >= 29, "\(rows.count) rows vs pandas \(ref.count)")
        let names = ["mae", "rmse", "hit_rate", "rolling_mae_20", "rolling_rmse_20", "rolling_hit_rate_20", "baseline_mae_120"]
        var differ: [String] = []
        for (row, e) in zip(rows, ref) {
            if [row[0]!, row[1]!, row[2]!] != e["key"] as? [String] || Int(row[3]!) != e["n"] as? Int
                || row[11].flatMap(Int.init) != e["baseline_days_120"] as? Int {
                differ.append("\(row) vs \(e)"); continue
            }
            for (k, name) in names.enumerated() {
                let mine = row[4 + k].flatMap(Double.init), theirs = e[name] as? Double
                if (mine == nil) != (theirs == nil) || (mine != nil && !Self.close(mine!, theirs!)) {
                    differ.append("\(row[2]!) \(name): \(mine.map { "\($0)" } ?? "NULL") vs \(theirs.map { "\($0)" } ?? "NULL")")
                }
            }
        }
        let mismatches = differ.count
        #expect(mismatches == 0, "\(differ.prefix(5))")
    }

    @Test("coordinator accuracy --by model|symbol|day equals pandas; CSV header exact; JSON and table agree")
    func accuracyEqualsPandas() throws {
        let (c, _, _) = try preparedCluster()
        let ref = try pandas(c)
        for by in ["model", "symbol", "day"] {
            let (code, csv) = try c.coordinatorOutput(["accuracy", "--by", by, "--format", "csv"])
            #expect(code == 0, "\(csv)")
            let lines = csv.split(separator: "\r\n").map(String.init)
            let keys = by == "model" ? 2 : by == "symbol" ? 2 : 1
            if by == "model" { #expect(lines.first == "model_kind,model_hash,n,mae,rmse,hit_rate") }
            let expected = try #require(ref[by] as? [[String: Any]])
            #expect(lines.count - 1 == expected.count, "\(by): \(lines.count - 1) rows vs pandas \(expected.count)")
            for (line, e) in zip(lines.dropFirst(), expected) {
                let f = line.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
                let eKey = e["key"] as! [String]
                #expect(Array(f[(keys - eKey.count)..<keys]) == eKey, "\(by): \(line) vs \(e)")
                #expect(Int(f[keys]) == e["n"] as? Int)
                #expect(Self.close(Double(f[keys + 1])!, e["mae"] as! Double), "\(by) mae: \(line) vs \(e)")
                #expect(Self.close(Double(f[keys + 2])!, e["rmse"] as! Double), "\(by) rmse: \(line) vs \(e)")
                if let h = e["hit_rate"] as? Double { #expect(Self.close(Double(f[keys + 3])!, h)) } else { #expect(f[keys + 3] == "") }
            }
        }
        let (code, json) = try c.coordinatorOutput(["accuracy", "--by", "model", "--format", "json"])
        #expect(code == 0)
        let objects = try #require(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [[String: Any]])
        #expect(objects.count == (ref["model"] as! [Any]).count)
        let (tcode, table) = try c.coordinatorOutput(["accuracy", "--from", "2000-01-01", "--to", "2000-01-02"])
        #expect(tcode == 0 && table.contains("no predictions with an outcome"))
        let (bad, said) = try c.coordinatorOutput(["accuracy", "--by", "week"])
        #expect(bad != 0 && said.contains("--by must be model, symbol or day"))
        let (bad2, said2) = try c.coordinatorOutput(["accuracy", "--format", "parquet"])
        #expect(bad2 != 0 && said2.contains("--format must be table, csv or json"))
    }

    @Test("new daily files settle the days before them: target dates as the next row, accuracy as a full recompute, halts included")
    func dailyFilesSettle() throws {
        let c = try Cluster(symbols: 20, days: 60)
        let days = try c.db().query("SELECT DISTINCT trading_date::text FROM ohlcv ORDER BY 1 DESC LIMIT 4").rows.map { $0[0]! }
        let file = { (d: String) in c.dir + "/data/nepse_\(d.replacingOccurrences(of: "-", with: "")).csv" }
        // The last two days had not arrived yet; on the first of them one symbol is halted.
        let db = try c.db()
        defer { db.close() }
        try db.execute("DELETE FROM ohlcv WHERE trading_date >= '\(days[1])'")
        try db.execute("DELETE FROM ingested_files WHERE trading_date >= '\(days[1])'")
        var lines = try String(contentsOfFile: file(days[1]), encoding: .utf8).split(separator: "\n").map(String.init)
        let halted = String(lines.remove(at: 1).split(separator: ",")[1])
        try (lines.joined(separator: "\n") + "\n").write(toFile: file(days[1]), atomically: true, encoding: .utf8)
        try c.startWorkers(2)
        defer { c.stopWorkers() }
        for d in [days[3], days[2]] { #expect(try c.coordinator(["run", "--date", d]) == 0) }
        // A holiday the calendar did not know: the last run's targets guessed a day that never came.
        try db.execute("UPDATE predictions SET target_date = target_date + 1 WHERE as_of_date = '\(days[2])'")
        for d in [days[1], days[0]] {
            let (code, said) = try c.coordinatorOutput(["ingest", file(d)])
            #expect(code == 0 && said.contains("loaded"), "\(said)")
        }
        // Every prediction's target is its symbol's next row wherever that has arrived.
        #expect(try db.query("""
            SELECT count(*) FROM predictions p WHERE p.target_date <> coalesce((SELECT min(o.trading_date) FROM ohlcv o
              WHERE o.market = p.market AND o.symbol = p.symbol AND o.trading_date > p.as_of_date), p.target_date)
            """).scalar == "0")
        #expect(try db.query("SELECT target_date::text FROM predictions WHERE symbol = $1 AND as_of_date = $2",
                             [halted, days[2]]).scalar == days[0])
        // What the ingests left in accuracy_daily equals recomputing it from scratch.
        let read = { try db.query("SELECT * FROM accuracy_daily ORDER BY 1, 2, 3, 4").rows.map { $0.map { $0 ?? "" } } }
        let incremental = try read()
        #expect(incremental.count >= 2)
        try OutcomeStore(db: db).refreshAccuracy(market: "nepse", from: Day(iso: days[3])!, to: Day(iso: days[0])!)
        // Equal but for the order of summation (sums of doubles: the last bit may differ).
        let full = try read()
        #expect(full.count == incremental.count && zip(full, incremental).allSatisfy { a, b in
            zip(a, b).allSatisfy { x, y in x == y || Self.close(Double(x) ?? .nan, Double(y) ?? .nan) }
        }, "\(incremental)\n\(full)")
    }

    @Test("a range's accuracy summed in two halves on two connections equals one query's, halts included")
    func splitRefreshEqualsOneQuery() throws {
        let (c, _, _) = try preparedCluster()
        let db = try c.db(), helper = try c.db()
        defer { db.close(); helper.close() }
        let range = try db.query("SELECT min(as_of_date)::text, max(as_of_date)::text FROM predictions").rows[0]
        let (from, to) = (Day(iso: range[0]!)!, Day(iso: range[1]!)!)
        let store = OutcomeStore(db: db)
        let read = { try db.query("SELECT * FROM accuracy_daily ORDER BY 1, 2, 3, 4").rows.map { $0.map { $0 ?? "" } } }
        try store.refreshAccuracy(market: "nepse", from: from, to: to)
        let one = try read()
        let written = try store.refreshAccuracy(market: "nepse", from: from, to: to, alongside: helper)
        let two = try read()
        #expect(one.count >= 20 && written == one.count && two.count == one.count)
        #expect(zip(one, two).allSatisfy { a, b in
            zip(a, b).allSatisfy { x, y in x == y || Self.close(Double(x) ?? .nan, Double(y) ?? .nan) }
        }, "\(one)\n\(two)")
        // Every prediction with an outcome counted once: as many as the view has.
        #expect(try db.query("SELECT sum(n) FROM accuracy_daily").scalar
                == db.query("SELECT count(*) FROM prediction_outcomes").scalar)
    }
}
