import ClosebellCore
import ClosebellProtocol
import ClosebellStorage
import Foundation
import TestSupport
import Testing

/// The distributed run against real RabbitMQ and PostgreSQL, workers and coordinators as
/// separate processes. Each guarantee of SPEC §4 is broken on purpose here.
@Suite("Distributed runs under faults", .serialized,
       .enabled(if: TestServers.shouldRun, TestServers.skipReason))
struct RunTests {
    @Test("3 workers: every symbol predicted exactly once, equal to `worker predict` for the date")
    func happyPath() throws {
        let c = try Cluster(symbols: 100, days: 30, youngSymbols: true)
        let young = try c.shortHistorySymbols()
        #expect(young > 0)  // late listings: skipped with the reason, counted apart; the run completes (exit 0)
        try c.startWorkers(3)
        let run = try c.startRun()
        #expect(run.wait() == 0)
        let r = try #require(try c.latestRun())
        #expect(r.status == .completed)
        #expect(r.failed == 0)
        #expect(r.skipped == young)
        #expect(try c.count("SELECT count(*) FROM symbol_skips WHERE reason LIKE 'insufficient history%'") == young)
        try c.expectExactAccounting(runId: r.id)
        #expect(r.total == (try c.count("SELECT count(*) FROM ohlcv WHERE trading_date = $1", [c.day.description])))
        // Offline predictions from the same files and models must match to the last bit.
        #expect(try c.tool("worker", ["predict", "--data", c.dir + "/data", "--models", c.dir + "/models",
                                      "--date", c.day.description, "--out", c.dir + "/offline.csv"]) == 0)
        let offline = try CSVTable.read(path: c.dir + "/offline.csv")
        let db = try c.db()
        let rows = try db.query("SELECT symbol, predicted_return, model_kind, model_hash, is_fallback FROM predictions WHERE as_of_date = $1",
                                [c.day.description])
        var stored: [String: [String?]] = [:]
        for row in rows.rows { stored[row[0]!] = row }
        #expect(offline.rows.count == stored.count)
        for o in offline.rows {
            let s = try #require(stored[o[0]], "\(o[0]) missing from predictions")
            #expect(Double(s[1]!)! == Double(o[2])!, "\(o[0]): run \(s[1]!) vs offline \(o[2])")
            #expect(s[2] == o[3])
            #expect(s[3] == o[4])
        }
        // The log file holds the progress and the summary.
        let log = try String(contentsOfFile: c.dir + "/logs/run-\(r.id).log", encoding: .utf8)
        #expect(log.contains("completed"))
        #expect(log.contains("symbols/s"))
        c.stopWorkers()
    }

    @Test("kill -9 of a worker mid-chunk: the chunk is delivered again, nothing lost or duplicated")
    func killWorker() throws {
        let c = try Cluster(symbols: 80, days: 30)
        try c.startWorkers(2, env: ["CLOSEBELL_FAULT_DELAY_MS": "400"])
        let run = try c.startRun()
        // Kill one worker while it holds a chunk (each chunk is held 400 ms).
        #expect(c.waitForChunks(.published, atLeast: 1))
        Thread.sleep(forTimeInterval: 0.6)
        c.workers[0].signal(SIGKILL)
        #expect(c.workers[0].wait() == 128 + SIGKILL)
        #expect(run.wait() == 0)
        let r = try #require(try c.latestRun())
        #expect(r.status == .completed)
        try c.expectExactAccounting(runId: r.id)
        c.stopWorkers()
    }

    @Test("a server restarted mid-run: coordinator and workers reconnect (the coordinator keeps its lock), the run completes",
          arguments: ["restart-broker", "restart-database"])
    func serverRestart(verb: String) throws {
        let c = try Cluster(symbols: 80, days: 30)
        try c.startWorkers(2, env: ["CLOSEBELL_FAULT_DELAY_MS": "250"])
        let run = try c.startRun()
        #expect(c.waitForChunks(.done, atLeast: 1))
        #expect(try TestServers.services(verb) == 0)
        #expect(run.wait() == 0)
        let r = try #require(try c.latestRun())
        #expect(r.status == .completed)
        try c.expectExactAccounting(runId: r.id)
        c.stopWorkers()
    }

    @Test("a poison chunk is retried with backoff, dead-lettered, its symbols failed with the reason; the run ends completed_with_failures")
    func poisonChunk() throws {
        let c = try Cluster(symbols: 40, days: 30, deliveryLimit: 1)
        let poison = try #require(try c.scalar("SELECT min(symbol) FROM ohlcv WHERE trading_date = $1", [c.day.description]))
        let env = ["CLOSEBELL_FAULT_CRASH_ON_SYMBOL": poison]
        try c.startWorkers(2, env: env)
        let run = try c.startRun(["--max-attempts", "2"])
        try c.superviseWorkers(while: { !run.hasExited }, env: env)
        #expect(run.wait() == 2)
        let r = try #require(try c.latestRun())
        #expect(r.status == .completedWithFailures)
        try c.expectExactAccounting(runId: r.id)
        let chunk = try c.db().query("SELECT chunk_no, attempts, status, last_error, cardinality(symbols) FROM chunks WHERE $1 = ANY(symbols)", [poison]).rows[0]
        #expect(chunk[1] == "2")
        #expect(chunk[2] == "failed")
        #expect(chunk[3]?.contains("delivery limit") == true)
        #expect(r.failed == Int(chunk[4]!)!)
        let why = try #require(try c.scalar("SELECT error FROM symbol_failures WHERE symbol = $1", [poison]))
        #expect(why.contains("after 2 attempt(s)"))
        #expect(why.contains("dead-lettered"))
        #expect(try c.count("SELECT retried FROM runs WHERE run_id = $1", [Int(r.id)]) == 1)
        c.stopWorkers()
    }

    @Test("the coordinator killed mid-run resumes without redoing completed chunks; a second coordinator for the date refuses")
    func coordinatorRestartAndExclusion() throws {
        let c = try Cluster(symbols: 80, days: 30)
        try c.startWorkers(1, env: ["CLOSEBELL_FAULT_DELAY_MS": "300"])
        let first = try c.startRun()
        #expect(c.waitForChunks(.done, atLeast: 2))
        // While it runs, a second coordinator for the same date must refuse.
        let second = try c.startRun()
        #expect(second.wait() == 3)
        first.signal(SIGKILL)
        _ = first.wait()
        let doneBefore = try c.db().query("SELECT chunk_no, completed_at::text, worker FROM chunks WHERE status = 'done' ORDER BY chunk_no").rows
        #expect(doneBefore.count >= 2)
        let again = try c.startRun()
        #expect(again.wait() == 0)
        let runs = try c.count("SELECT count(*) FROM runs")
        #expect(runs == 1)  // resumed, not restarted
        let r = try #require(try c.latestRun())
        #expect(r.status == .completed)
        try c.expectExactAccounting(runId: r.id)
        let db = try c.db()
        for row in doneBefore {
            let now = try db.query("SELECT completed_at::text, worker, attempts FROM chunks WHERE chunk_no = $1", [Int(row[0]!)!]).rows[0]
            #expect(now[0] == row[1], "chunk \(row[0]!) was redone")
            #expect(now[2] == "1")
        }
        c.stopWorkers()
    }

    @Test("every result delivered twice writes nothing twice")
    func duplicateResults() throws {
        let c = try Cluster(symbols: 60, days: 30)
        try c.startWorkers(2, env: ["CLOSEBELL_FAULT_DUPLICATE_RESULTS": "1"])
        let run = try c.startRun()
        #expect(run.wait() == 0)
        let r = try #require(try c.latestRun())
        try c.expectExactAccounting(runId: r.id)
        // The duplicates were consumed and acknowledged, not left behind.
        let conn = try TestServers.connectAMQP()
        #expect(c.waitFor(5) { (try? conn.queueInfo(c.topology.resultQueue).ready) == 0 })
        // And the ledger refuses a replay directly too.
        let db = try c.db()
        let chunk0 = try db.query("SELECT symbols::text FROM chunks WHERE run_id = $1 AND chunk_no = 0", [Int(r.id)]).scalar!
        let sym = PGArray.parseText(chunk0)[0]
        let row = PredictionRow(symbol: sym, day: c.day, target: c.day.adding(days: 1), value: 999, kind: "linear", path: nil, hash: nil, fallback: false)
        let outcome = try RunLedger(db: db).apply(runId: r.id, chunkNo: 0, worker: "replay", computeMillis: 1,
                                                  predictions: [row], failures: [], check: { _ in nil })
        #expect(outcome == .duplicate)
        #expect(try db.query("SELECT predicted_return FROM predictions WHERE symbol = $1", [sym]).scalar != "999")
        try c.expectExactAccounting(runId: r.id)
        c.stopWorkers()
    }

    @Test("re-running a date updates predictions in place; nothing is duplicated")
    func rerun() throws {
        let c = try Cluster(symbols: 40, days: 30)
        try c.startWorkers(2)
        #expect(try c.startRun().wait() == 0)
        let first = try c.db().query("SELECT symbol, predicted_return, run_id FROM predictions ORDER BY symbol").rows
        #expect(try c.tool("worker", ["train", "--data", c.dir + "/data", "--models", c.dir + "/models", "--global", "--alpha", "500"]) == 0)
        #expect(try c.startRun().wait() == 0)
        let second = try c.db().query("SELECT symbol, predicted_return, run_id FROM predictions ORDER BY symbol").rows
        #expect(second.count == first.count)
        #expect(Set(second.map { $0[2] }).count == 1)
        #expect(second[0][2] != first[0][2])  // rows now belong to the new run
        #expect(zip(first, second).contains { $0[1] != $1[1] })  // values updated by the new model
        #expect(try c.count("SELECT count(*) FROM runs WHERE status = 'completed'") == 2)
        c.stopWorkers()
    }

    @Test("a run cancelled mid-run ends cancelled; workers skip its chunks; late results change nothing")
    func cancel() throws {
        let c = try Cluster(symbols: 100, days: 30)
        let id = try c.runAndCancelMidway()
        let r = try #require(try c.latestRun())
        #expect(r.status == .cancelled)
        #expect(r.processed < r.total)
        Thread.sleep(forTimeInterval: 1)
        let done = try c.count("SELECT count(*) FROM chunks WHERE status = 'done'")
        #expect(try c.count("SELECT count(*) FROM chunks WHERE status = 'cancelled'") + done == 10)
        #expect(try c.count("SELECT count(*) FROM predictions") == r.succeeded)
        #expect(try c.coordinator(["cancel", String(id)]) != 0)  // already finished
        c.stopWorkers()
    }

    @Test("failed symbols of a finished run can be retried, and only they run again")
    func retryFailed() throws {
        let c = try Cluster(symbols: 40, days: 30)
        let syms = try c.db().query("SELECT symbol FROM ohlcv WHERE trading_date = $1 ORDER BY symbol LIMIT 2", [c.day.description]).rows.map { $0[0]! }
        for s in syms {
            try FileManager.default.createDirectory(atPath: "\(c.dir)/models/\(s)", withIntermediateDirectories: true)
            try "{broken".write(toFile: "\(c.dir)/models/\(s)/model.json", atomically: true, encoding: .utf8)
        }
        try c.startWorkers(2)
        #expect(try c.startRun().wait() == 2)
        let first = try #require(try c.latestRun())
        #expect(first.status == .completedWithFailures)
        #expect(try c.count("SELECT count(*) FROM symbol_failures WHERE stage = 'model'") >= 2)
        let stage = try c.scalar("SELECT error FROM symbol_failures WHERE symbol = $1", [syms[0]])
        #expect(stage?.contains("model.json: neither an XGBoost model") == true)
        for s in syms { try FileManager.default.removeItem(atPath: "\(c.dir)/models/\(s)") }
        #expect(try c.coordinator(["retry", String(first.id)]) == 0)
        let retry = try #require(try c.latestRun())
        #expect(retry.id != first.id)
        #expect(retry.parentRunId == first.id)
        #expect(retry.total == first.failed)
        #expect(retry.status == .completed)
        for s in syms { #expect(try c.count("SELECT count(*) FROM predictions WHERE symbol = $1 AND run_id = $2", [s, Int(retry.id)]) == 1) }
        c.stopWorkers()
    }

    @Test("ingest of malformed and messy files loads every good row and accounts for every bad one")
    func ingestBadInput() throws {
        let c = try Cluster(symbols: 50, days: 20, malformed: 3)
        let db = try c.db()
        var lines = 0
        for f in try DailyFiles.list([c.dir + "/data"]) {
            lines += try String(contentsOfFile: f, encoding: .utf8).split(separator: "\n").count - 1
        }
        let loaded = try c.count("SELECT count(*) FROM ohlcv")
        let rejected = try c.count("SELECT count(*) FROM ingest_rejects")
        #expect(loaded + rejected == lines)
        #expect(rejected > 20)
        #expect(try c.count("SELECT sum(rows_loaded) FROM ingested_files") == loaded)
        #expect(try c.count("SELECT sum(rows_rejected) FROM ingested_files") == rejected)
        #expect(try c.count("SELECT count(*) FROM data_quality WHERE anomaly = 'open_outside_range'") > loaded / 20)
        let reasons = Set(try db.query("SELECT reason FROM ingest_rejects").rows.map { $0[0]!.split(separator: " ").prefix(2).joined(separator: " ") })
        #expect(reasons.count >= 4)
        // A changed file replaces its day's rows and says so; an unchanged one is a no-op.
        let files = try DailyFiles.list([c.dir + "/data"])
        var text = try String(contentsOfFile: files[0], encoding: .utf8)
        let firstRow = text.split(separator: "\n")[1]
        text = text.replacingOccurrences(of: String(firstRow), with: "")
        try text.write(toFile: files[0], atomically: true, encoding: .utf8)
        let before = try c.count("SELECT count(*) FROM ohlcv")
        #expect(try c.coordinator(["ingest", c.dir + "/data"]) == 0)
        let out = try String(contentsOfFile: c.dir + "/coordinator.log", encoding: .utf8)
        #expect(out.contains("content changed, replaced"))
        #expect(out.contains("\(files.count - 1) unchanged"))
        let after = try c.count("SELECT count(*) FROM ohlcv")
        #expect(after == before - 1 || after == before)  // the removed row may have been a rejected one
        // A file that cannot be read at all fails alone; the exit code says so.
        try "Date;Symbol\n".write(toFile: c.dir + "/data/nepse_20300101.csv", atomically: true, encoding: .utf8)
        #expect(try c.coordinator(["ingest", c.dir + "/data"]) == 2)
        let out2 = try String(contentsOfFile: c.dir + "/coordinator.log", encoding: .utf8)
        #expect(out2.contains("nepse_20300101.csv: FAILED: nepse_20300101.csv:1: bad header"))
    }
}

@Suite("Workers and runs: more of the contract", .serialized,
       .enabled(if: TestServers.shouldRun, TestServers.skipReason))
struct RunContractTests {
    @Test("a worker dead-letters an undecodable chunk or one of an unknown protocol version, with the reason")
    func undecodableChunk() throws {
        let c = try Cluster(symbols: 20, days: 30)
        try c.startWorkers(1)
        let conn = try TestServers.connectAMQP()
        try c.topology.topology.declare(on: conn)
        try conn.enableConfirms(channel: 2)
        var future = Fixtures.chunk(symbols: 1, rows: 5).encode()
        future[2] = 42
        for (id, body) in [("garbage", Array("hello".utf8)), ("future", future)] {
            try conn.publish(channel: 2, exchange: c.topology.exchange, routingKey: c.topology.chunkRoutingKey, body: body, properties: .init(messageId: id))
        }
        try conn.waitForConfirms(channel: 2)
        try conn.consume(channel: 3, queue: c.topology.deadLetterQueue)
        var reasons: [String: String] = [:]
        while reasons.count < 2, let d = try conn.nextDelivery(timeoutSeconds: 10) {
            reasons[d.properties.messageId ?? "?"] = d.properties.headers["x-closebell-error"]?.stringValue
            try conn.ack(channel: 3, deliveryTag: d.deliveryTag)
        }
        #expect(reasons["garbage"]?.contains("too short") == true || reasons["garbage"]?.contains("not a Closebell message") == true)
        #expect(reasons["future"]?.contains("unknown protocol version 42") == true)
        c.stopWorkers()
    }

    @Test("SIGTERM finishes the chunk in hand, then the worker exits 0; nothing is lost (scale down)")
    func gracefulStop() throws {
        let c = try Cluster(symbols: 60, days: 30)
        try c.startWorkers(2, env: ["CLOSEBELL_FAULT_DELAY_MS": "500"])
        let run = try c.startRun()
        #expect(c.waitForChunks(.published, atLeast: 1))
        Thread.sleep(forTimeInterval: 0.2)  // both workers hold a chunk now
        let doneBefore = try c.count("SELECT count(*) FROM chunks WHERE status = 'done'")
        c.workers[0].signal(SIGTERM)
        #expect(c.workers[0].wait() == 0)
        // The chunk it held was finished and reported, not abandoned to a redelivery.
        #expect(c.waitFor(10) { (try? c.count("SELECT count(*) FROM chunks WHERE status = 'done'")) ?? 0 > doneBefore })
        #expect(run.wait() == 0)
        let r = try #require(try c.latestRun())
        try c.expectExactAccounting(runId: r.id)
        let workers = Set(try c.db().query("SELECT worker FROM chunks").rows.map { $0[0] })
        #expect(workers.count == 2)  // the stopped worker did finish work
        c.stopWorkers()
    }

    @Test("heartbeats are serviced while a chunk computes longer than the heartbeat timeout")
    func heartbeatsDuringCompute() throws {
        let c = try Cluster(symbols: 10, days: 30)
        c.workers.append(try c.spawn("worker", ["--log-level", "info", "--heartbeat", "1"], env: ["CLOSEBELL_FAULT_DELAY_MS": "4000"]))
        let run = try c.startRun()
        #expect(run.wait() == 0)
        #expect(try c.count("SELECT attempts FROM chunks WHERE chunk_no = 0") == 1)
        c.stopWorkers()
        let log = try String(contentsOfFile: c.dir + "/worker.log", encoding: .utf8)
        #expect(!log.contains("lost the broker"))
        #expect(!log.contains("reconnected"))
    }

    @Test("two runs for different dates in flight at once do not mix their results")
    func concurrentRuns() throws {
        let c = try Cluster(symbols: 60, days: 30)
        let day2 = try #require(try c.scalar("SELECT max(trading_date)::text FROM ohlcv WHERE trading_date < $1", [c.day.description]))
        try c.startWorkers(2, env: ["CLOSEBELL_FAULT_DELAY_MS": "50"])
        let a = try c.startRun()
        let b = try c.spawn("coordinator", ["run", "--date", day2, "--chunk-size", "10", "--timeout", "30", "--backoff", "0.2"])
        #expect(a.wait() == 0)
        #expect(b.wait() == 0)
        let db = try c.db()
        let runs = try db.query("SELECT run_id, as_of_date::text FROM runs ORDER BY run_id").rows
        #expect(runs.count == 2)
        for r in runs {
            try c.expectExactAccounting(runId: Int64(r[0]!)!)
            // Every prediction of a run is for that run's date.
            #expect(try db.query("SELECT count(*) FROM predictions WHERE run_id = $1 AND as_of_date <> $2::date", [Int(r[0]!)!, r[1]!]).scalar == "0")
        }
        #expect(try c.count("SELECT count(*) FROM predictions WHERE as_of_date = $1", [day2]) == (try c.count("SELECT count(*) FROM ohlcv WHERE trading_date = $1", [day2])))
        c.stopWorkers()
    }
}
