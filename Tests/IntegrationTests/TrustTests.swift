import ClosebellCore
import ClosebellProtocol
import ClosebellStorage
import Foundation
import Testing

/// Whatever arrives — odd symbols, forged results, another market's files, bytes PostgreSQL
/// cannot store, a hostile analyst — every symbol is accounted for exactly once and no
/// coordinator falls over. Each test here failed on the code before these guarantees.
@Suite("Trust: exact accounting whatever arrives", .serialized,
       .enabled(if: TestServers.shouldRun, TestServers.skipReason))
struct TrustTests {
    static let oddSymbols = ["ZZ", "ZZ Q", "A\"B", "C;D", "E/F", "..", "Ü名", "_global", "x'y", "NULL", "a\\b", "{x}"]

    @Test("symbols with spaces, quotes, slashes, dots and unicode round-trip through every table, message and model path")
    func oddSymbols() throws {
        let c = try Cluster(symbols: 10, days: 80)
        try c.addSymbols(Self.oddSymbols)
        #expect(try c.tool("worker", ["train", "--data", c.dir + "/data", "--models", c.dir + "/models", "--per-symbol"]) == 0)
        try c.startWorkers(2)
        #expect(try c.startRun(["--chunk-size", "4"]).wait() == 0)
        let r = try #require(try c.latestRun())
        #expect(r.status == .completed)
        #expect(r.total == 10 + Self.oddSymbols.count)
        try c.expectExactAccounting(runId: r.id)
        let db = try c.db()
        let rows = try db.query("SELECT symbol, model_path FROM predictions WHERE run_id = $1", [Int(r.id)]).rows
        let bySymbol = Dictionary(uniqueKeysWithValues: rows.map { ($0[0]!, $0[1]) })
        for s in Self.oddSymbols {
            let path = try #require(bySymbol[s], "\(s) was not predicted")
            #expect(path == "\(c.dir)/models/\(ModelStore.folderName(for: s))/model.json", "\(s): \(path ?? "-")")
        }
        c.stopWorkers()
    }

    @Test("garbage, unknown-run, out-of-range and forged results are rejected and recorded; the run completes exactly")
    func forgedResults() throws {
        let c = try Cluster(symbols: 40, days: 30)
        var bigDay = ResultMessage(runId: 1, chunkNo: 0, attempt: 1, asOf: c.day, worker: "x", computeMicros: 0,
                                   predictions: [], failures: []).encode()
        bigDay.replaceSubrange(18..<22, with: [0xFF, 0xFF, 0xFF, 0x7F])  // as-of day 2^31-1
        let unknown = ResultMessage(runId: 999_999, chunkNo: 0, attempt: 1, asOf: c.day, worker: "x", computeMicros: 0,
                                    predictions: [], failures: [])
        try c.publishResults([("garbage", Array("not a message".utf8)), ("big-day", bigDay), ("unknown-run", unknown.encode()),
                              ("started-unknown", StartedMessage(runId: 999_999, chunkNo: 1, attempt: 1, worker: "x").encode())])
        try c.startWorkers(2, env: ["CLOSEBELL_FAULT_FORGE_RESULT": "1"])
        #expect(try c.startRun(["--max-attempts", "5"]).wait() == 0)
        let r = try #require(try c.latestRun())
        #expect(r.status == .completed)
        try c.expectExactAccounting(runId: r.id)
        let chunks = try c.count("SELECT count(*) FROM chunks WHERE run_id = $1", [Int(r.id)])
        #expect(try c.count("SELECT count(*) FROM rejected_messages WHERE message_id IN ('garbage', 'big-day', 'unknown-run')") == 3)
        #expect(try c.count("SELECT count(*) FROM rejected_messages WHERE reason LIKE '%FORGED%'") >= chunks)
        #expect(try c.count("SELECT count(*) FROM predictions WHERE model_path = '/etc/passwd' OR symbol LIKE 'FORGED%'") == 0)
        let conn = try TestServers.connectAMQP()
        #expect(c.waitFor(5) { (try? conn.queueInfo(c.topology.resultQueue).ready) == 0 })
        c.stopWorkers()
    }

    @Test("a chunk's timeout starts when a worker takes it: a deep backlog with a short timeout retries nothing")
    func deepBacklog() throws {
        let c = try Cluster(symbols: 120, days: 30)
        try c.startWorkers(2, env: ["CLOSEBELL_FAULT_DELAY_MS": "40"])
        let started = Date()
        #expect(try c.startRun(["--chunk-size", "1", "--timeout", "1"]).wait() == 0)
        #expect(Date().timeIntervalSince(started) > 2)  // the backlog outlived the timeout
        let r = try #require(try c.latestRun())
        try c.expectExactAccounting(runId: r.id)
        #expect(try c.count("SELECT retried FROM runs WHERE run_id = $1", [Int(r.id)]) == 0)
        #expect(try c.count("SELECT max(attempts) FROM chunks WHERE run_id = $1", [Int(r.id)]) == 1)
        #expect(try c.count("SELECT count(*) FROM chunks WHERE run_id = $1 AND taken_at IS NULL", [Int(r.id)]) == 0)
        c.stopWorkers()
    }

    @Test("markets are namespaces: another market's file never touches this market's rows, runs or predictions")
    func markets() throws {
        let c = try Cluster(symbols: 20, days: 30)
        let sym = try #require(try c.scalar("SELECT min(symbol) FROM ohlcv WHERE trading_date = $1", [c.day.description]))
        let close = try #require(try c.scalar("SELECT close FROM ohlcv WHERE symbol = $1 AND trading_date = $2", [sym, c.day.description]))
        let nse = "\(c.dir)/nse/nse_\(c.day.compact).csv"
        try FileManager.default.createDirectory(atPath: c.dir + "/nse", withIntermediateDirectories: true)
        try "Date,Symbol,Open,High,Low,Close,Volume\n\(c.day),\(sym),12345,12346,12344,12345,1\n".write(toFile: nse, atomically: true, encoding: .utf8)
        #expect(try c.coordinator(["ingest", nse]) == 0)
        #expect(try c.scalar("SELECT close FROM ohlcv WHERE market = 'nepse' AND symbol = $1 AND trading_date = $2",
                             [sym, c.day.description]) == close)
        #expect(try c.scalar("SELECT close FROM ohlcv WHERE market = 'nse' AND symbol = $1", [sym]) == "12345")
        let (again, said) = try c.coordinatorOutput(["ingest", c.dir + "/data/nepse_\(c.day.compact).csv"])
        #expect(again == 0)
        #expect(said.contains("unchanged"))
        let (ambiguous, why) = try c.coordinatorOutput(["run", "--date", c.day.description])
        #expect(ambiguous == 64)
        #expect(why.contains("several markets"))
        try c.startWorkers(1)
        #expect(try c.startRun(["--market", "nepse"]).wait() == 0)
        #expect(try c.count("SELECT count(*) FROM predictions WHERE market <> 'nepse'") == 0)
        // One row of nse history: too little for features, so its only symbol is skipped, in nse alone.
        #expect(try c.startRun(["--market", "nse", "--fallback-only"]).wait() == 0)
        #expect(try c.count("SELECT count(*) FROM symbol_skips k JOIN runs r USING (run_id) WHERE r.market = 'nse'") == 1)
        #expect(try c.count("SELECT count(*) FROM predictions WHERE market = 'nepse' AND symbol = $1", [sym]) == 1)
        c.stopWorkers()
    }

    @Test("a NUL byte or invalid UTF-8 rejects only its row; every other row of the file loads")
    func badBytesInFiles() throws {
        let c = try Cluster(symbols: 5, days: 20)
        let day = c.day.adding(days: 1)
        var bytes = Array("Date,Symbol,Open,High,Low,Close,Volume\n\(day),GOOD,10,11,9,10.5,100\n".utf8)
        bytes += Array("\(day),NU".utf8) + [0] + Array("L,10,11,9,10.5,100\n".utf8)
        bytes += Array("\(day),AB".utf8) + [0xFF] + Array(",10,11,9,10.5,100\n\(day),AB,10,11,9,10.5,100\n".utf8)
        let path = "\(c.dir)/odd/nepse_\(day.compact).csv"
        try FileManager.default.createDirectory(atPath: c.dir + "/odd", withIntermediateDirectories: true)
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        #expect(try c.coordinator(["ingest", path]) == 0)
        #expect(try c.count("SELECT count(*) FROM ohlcv WHERE trading_date = $1", [day.description]) == 2)
        let raws = try c.db().query("SELECT raw FROM ingest_rejects WHERE file_name = $1 ORDER BY line",
                                    ["nepse_\(day.compact).csv"]).rows.map { $0[0]! }
        #expect(raws == ["\(day),NU\\x00L,10,11,9,10.5,100", "\(day),AB\\xFF,10,11,9,10.5,100"])
    }

    @Test("the read-only analyst role can neither take Closebell's locks nor block a run or an ingest")
    func analystCannotBlock() throws {
        let c = try Cluster(symbols: 20, days: 30)
        let role = "analyst_\(c.name)"
        let admin = try c.db()
        try admin.execute("CREATE ROLE \(role) LOGIN PASSWORD 'analyst-pw' IN ROLE \(Schema.analystRole)")
        defer { try? admin.execute("DROP OWNED BY \(role); DROP ROLE IF EXISTS \(role)") }
        var parts = URLComponents(string: c.databaseURL)!
        parts.user = role
        parts.password = "analyst-pw"
        let analyst = try PGConnection(parts.string!)
        // Everything the old advisory locks used, held for the whole test, inside an open transaction.
        let oldKeys = [0x636C_6F73_0000_0000 | Int64(c.day.daysSinceEpoch), 0x636C_6F73_656D_6967]
        for k in oldKeys { try analyst.query("SELECT pg_advisory_lock($1)", [k]) }
        let next = "nepse_\(c.day.adding(days: 1).compact).csv"
        try analyst.query("SELECT pg_advisory_lock(hashtext($1)::bigint)", ["ingest:" + next])
        try analyst.execute("BEGIN")
        _ = try analyst.query("SELECT count(*) FROM runs, schema_migrations")
        let rowLock = #expect(throws: PGError.self) { try analyst.query("SELECT * FROM closebell_locks FOR UPDATE") }
        #expect(rowLock?.sqlState == "42501")
        try analyst.execute("ROLLBACK; BEGIN")
        let tableLock = #expect(throws: PGError.self) { try analyst.execute("LOCK TABLE schema_migrations IN EXCLUSIVE MODE") }
        #expect(tableLock?.sqlState == "42501")
        try analyst.execute("ROLLBACK; BEGIN")
        _ = try analyst.query("SELECT count(*) FROM runs, schema_migrations, chunks")
        try c.startWorkers(1)
        #expect(try c.startRun().wait() == 0)
        let file = "\(c.dir)/more/\(next)"
        try FileManager.default.createDirectory(atPath: c.dir + "/more", withIntermediateDirectories: true)
        try "Date,Symbol,Open,High,Low,Close,Volume\n\(c.day.adding(days: 1)),NEW,1,1,1,1,1\n".write(toFile: file, atomically: true, encoding: .utf8)
        #expect(try c.coordinator(["ingest", file]) == 0)
        analyst.close()
        c.stopWorkers()
    }
}
