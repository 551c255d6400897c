import ClosebellCore
import ClosebellProtocol
import ClosebellStorage
import Foundation
import Testing

/// A private Closebell deployment for one test: its own database, its own queue names, sample
/// data ingested and models trained, and workers and coordinators as real processes.
final class Cluster: @unchecked Sendable {  // used by one test task at a time
    let name: String
    let dir: String
    let databaseURL: String
    let topology: ClosebellTopology
    let deliveryLimit: Int
    var workers: [ChildProcess] = []
    let day: Day
    static let bin = TestServers.root.appendingPathComponent(".build/debug").path

    /// `holdBack`: the last days' files are written to `dir/incoming`, not ingested (days cron has not seen).
    init(symbols: Int = 60, days: Int = 40, deliveryLimit: Int = 3, malformed: Double = 0, youngSymbols: Bool = false,
         holdBack: Int = 0) throws {
        name = "t\(UUID().uuidString.prefix(8).lowercased())"
        dir = NSTemporaryDirectory() + "closebell-\(name)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let admin = try TestServers.connectDB()
        try admin.execute("CREATE DATABASE \(name)")
        admin.close()
        var parts = URLComponents(string: TestServers.databaseURL)!
        parts.path = "/\(name)"
        databaseURL = parts.string!
        self.deliveryLimit = deliveryLimit
        topology = ClosebellTopology(prefix: name, deliveryLimit: deliveryLimit)
        var g = SampleDataGenerator(symbols: symbols, days: days, seed: 99, market: "nepse", calendar: .sundayToThursday,
                                    malformedPerFile: malformed)
        g.youngSymbols = youngSymbols
        day = g.tradingDays.last!
        try g.write(to: dir + "/data")
        if holdBack > 0 {
            try FileManager.default.createDirectory(atPath: dir + "/incoming", withIntermediateDirectories: true)
            for f in try FileManager.default.contentsOfDirectory(atPath: dir + "/data").sorted().suffix(holdBack) {
                try FileManager.default.moveItem(atPath: "\(dir)/data/\(f)", toPath: "\(dir)/incoming/\(f)")
            }
        }
        #expect(try coordinator(["ingest", dir + "/data"]) == 0)
        #expect(try tool("worker", ["train", "--data", dir + "/data", "--models", dir + "/models", "--global"]) == 0)
    }

    var env: [String: String] {
        var e = ProcessInfo.processInfo.environment
        e["CLOSEBELL_DATABASE_URL"] = databaseURL
        e["CLOSEBELL_TOPOLOGY_PREFIX"] = topology.prefix
        e["CLOSEBELL_DELIVERY_LIMIT"] = String(deliveryLimit)
        e["CLOSEBELL_LOG_DIR"] = dir + "/logs"
        e["CLOSEBELL_MODELS"] = dir + "/models"
        return e
    }

    func tool(_ exe: String, _ args: [String], env extra: [String: String] = [:]) throws -> Int32 {
        try spawn(exe, args, env: extra).wait()
    }

    func spawn(_ exe: String, _ args: [String], env extra: [String: String] = [:]) throws -> ChildProcess {
        try ChildProcess("\(Cluster.bin)/\(exe)", args, environment: env.merging(extra) { $1 }, outputPath: "\(dir)/\(exe).log")
    }

    @discardableResult
    func coordinator(_ args: [String], env extra: [String: String] = [:]) throws -> Int32 {
        try tool("coordinator", args, env: extra)
    }

    /// `coordinator run --date <day>` with quick settings for tests.
    func startRun(_ extra: [String] = [], env: [String: String] = [:]) throws -> ChildProcess {
        try spawn("coordinator", ["run", "--date", day.description, "--chunk-size", "10", "--timeout", "30", "--backoff", "0.2"] + extra, env: env)
    }

    func startWorkers(_ n: Int, env extra: [String: String] = [:]) throws {
        for _ in 0..<n { workers.append(try spawn("worker", ["--log-level", "warning"], env: extra)) }
    }

    /// Restarts workers that died (what `restart: always` does in compose) while `while` holds.
    func superviseWorkers(while running: () -> Bool, env extra: [String: String] = [:]) throws {
        while running() {
            for i in workers.indices where workers[i].hasExited {
                workers[i] = try spawn("worker", ["--log-level", "warning"], env: extra)
            }
            Thread.sleep(forTimeInterval: 0.05)
        }
    }

    func db() throws -> PGConnection { try PGConnection(databaseURL) }

    /// Symbols trading on the run's day with too little history for features (they are skipped).
    func shortHistorySymbols() throws -> Int {
        try count("""
            SELECT count(*) FROM (SELECT symbol FROM ohlcv WHERE trading_date <= $1
              AND symbol IN (SELECT symbol FROM ohlcv WHERE trading_date = $1) GROUP BY symbol HAVING count(*) < 14) s
            """, [day.description])
    }

    func scalar(_ sql: String, _ params: [any PGBindable] = []) throws -> String? {
        let c = try db()
        defer { c.close() }
        return try c.query(sql, params).scalar
    }

    func count(_ sql: String, _ params: [any PGBindable] = []) throws -> Int { Int(try scalar(sql, params) ?? "0") ?? 0 }

    /// Waits until `cond` holds (polling), up to `seconds`.
    func waitFor(_ seconds: Double, _ cond: () throws -> Bool) rethrows -> Bool {
        let end = Date().addingTimeInterval(seconds)
        while Date() < end {
            if try cond() { return true }
            Thread.sleep(forTimeInterval: 0.05)
        }
        return false
    }

    /// Every symbol of the run counted exactly once: succeeded + failed = total, one
    /// prediction row per success, one failure row per failure, no chunk left open.
    /// With `entries`, a backfill: chunks account for `items` (symbol, day) entries each.
    func expectExactAccounting(runId: Int64, entries: Bool = false, file: String = #file, line: Int = #line) throws {
        let c = try db()
        defer { c.close() }
        let r = try RunLedger(db: c).run(runId)!
        #expect(r.processed == r.total)
        #expect(r.succeeded + r.failed + r.skipped == r.total)
        #expect(try c.query("SELECT count(*) FROM predictions WHERE run_id = $1", [Int(runId)]).scalar == String(r.succeeded))
        #expect(try c.query("SELECT count(*) FROM symbol_failures WHERE run_id = $1", [Int(runId)]).scalar == String(r.failed))
        #expect(try c.query("SELECT count(*) FROM symbol_skips WHERE run_id = $1", [Int(runId)]).scalar == String(r.skipped))
        #expect(try c.query("SELECT count(*) FROM chunks WHERE run_id = $1 AND status IN ('pending','published')", [Int(runId)]).scalar == "0")
        let planned = try c.query("""
            SELECT coalesce(sum(\(entries ? "items" : "cardinality(symbols)")), 0) FROM chunks WHERE run_id = $1
            """, [Int(runId)]).scalar
        #expect(planned == String(r.total))
        // Each prediction was written by the chunk that holds its symbol.
        #expect(try c.query("""
            SELECT count(*) FROM predictions p JOIN chunks k ON k.run_id = p.run_id AND k.chunk_no = p.chunk_no
            WHERE p.run_id = $1 AND NOT (p.symbol = ANY(k.symbols))
            """, [Int(runId)]).scalar == "0")
    }

    func latestRun() throws -> RunRecord? {
        let c = try db()
        defer { c.close() }
        return try RunLedger(db: c).recentRuns(limit: 1).first
    }

    func stopWorkers() {
        for w in workers where !w.hasExited { w.signal(SIGTERM) }
        for w in workers { _ = w.wait() }
        workers = []
    }

    deinit {
        for w in workers where !w.hasExited { w.signal(SIGKILL); _ = w.wait() }
        TestServers.remove(topology)
        if let admin = try? TestServers.connectDB() {
            try? admin.execute("DROP DATABASE IF EXISTS \(name) WITH (FORCE)")
            admin.close()
        }
        try? FileManager.default.removeItem(atPath: dir)
    }
}
