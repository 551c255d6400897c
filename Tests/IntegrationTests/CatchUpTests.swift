import ClosebellCore
import ClosebellStorage
import Foundation
import Testing

/// `coordinator catch-up`: the days cron missed are predicted, oldest first, and only those.
@Suite("Catch-up after missed days, priority over queued work", .serialized, .enabled(if: TestServers.shouldRun, TestServers.skipReason))
struct CatchUpTests {
    @Test("two missed days: catch-up predicts both, oldest first, then has nothing left to do")
    func twoMissedDays() throws {
        let c = try Cluster(symbols: 30, days: 30)
        let days = try c.db().query("SELECT trading_date FROM ingested_files ORDER BY 1 DESC LIMIT 3").rows.map { $0[0]! }
        let (missed2, missed1, lastRun) = (days[0], days[1], days[2])
        try c.startWorkers(2)
        defer { c.stopWorkers() }
        // Cron ran on `lastRun`, then missed two evenings.
        #expect(try c.coordinator(["run", "--date", lastRun, "--chunk-size", "10"]) == 0)
        let (code, said) = try c.coordinatorOutput(["catch-up", "--chunk-size", "10"])
        #expect(code == 0, "\(said)")
        #expect(said.contains("catching up 2 days"))
        let order = try c.db().query("""
            SELECT as_of_date, status FROM runs WHERE as_of_date > $1 ORDER BY run_id
            """, [lastRun]).rows.map { [$0[0]!, $0[1]!] }
        #expect(order == [[missed1, "completed"], [missed2, "completed"]])
        for d in [missed1, missed2] {
            let r = try #require(try c.db().query("SELECT run_id FROM runs WHERE as_of_date = $1", [d]).scalar)
            try c.expectExactAccounting(runId: Int64(r)!)
        }
        let (again, said2) = try c.coordinatorOutput(["catch-up"])
        #expect(again == 0)
        #expect(said2.contains("nothing to catch up"))
        #expect(try c.count("SELECT count(*) FROM runs") == 3)
        // --since: the days after it that no run completed (here: none before lastRun was ever run).
        let (since, said3) = try c.coordinatorOutput(["catch-up", "--since", days[2], "--chunk-size", "10"])
        #expect(since == 0)
        #expect(said3.contains("nothing to catch up"))
    }

    @Test("a first evening (no completed run, no --since): only the latest day with data is predicted")
    func firstEvening() throws {
        let c = try Cluster(symbols: 12, days: 25)
        let latest = try #require(try c.scalar("SELECT max(trading_date)::text FROM ingested_files"))
        try c.startWorkers(1)
        defer { c.stopWorkers() }
        let (code, said) = try c.coordinatorOutput(["catch-up", "--chunk-size", "6"])
        #expect(code == 0, "\(said)")
        #expect(said.contains("only its latest day with data, \(latest)") && said.contains("backfill"), "\(said)")
        let runs = try c.db().query("SELECT as_of_date::text, status FROM runs").rows.map { [$0[0]!, $0[1]!] }
        #expect(runs == [[latest, "completed"]])
        let (again, said2) = try c.coordinatorOutput(["catch-up"])
        #expect(again == 0 && said2.contains("nothing to catch up"), "\(said2)")
    }

    @Test("catch-up --ingest: missed days' files ingested, both days predicted, then the outcomes they complete")
    func ingestThenCatchUp() throws {
        let c = try Cluster(symbols: 30, days: 30, holdBack: 2)
        let lastRun = try #require(try c.scalar("SELECT max(trading_date)::text FROM ingested_files"))
        try c.startWorkers(2)
        defer { c.stopWorkers() }
        #expect(try c.coordinator(["run", "--date", lastRun, "--chunk-size", "10"]) == 0)
        #expect(try c.count("SELECT count(*) FROM accuracy_daily WHERE as_of_date = $1", [lastRun]) == 0)
        // Beside the two missed days' files, one that cannot be read: it is named, the exit says
        // so (2, as `ingest` gives), and the valid days are caught up all the same.
        let bad = c.dir + "/incoming/nepse_20991231.csv"
        try "not,a,daily,file\n".write(toFile: bad, atomically: true, encoding: .utf8)
        let (code, said) = try c.coordinatorOutput(["catch-up", "--ingest", c.dir + "/incoming", "--chunk-size", "10"])
        #expect(code == 2, "\(said)")
        #expect(said.contains("nepse_20991231.csv"))
        #expect(said.contains("ingested 3 files"), "\(said)")
        #expect(said.contains("catching up 2 days"), "\(said)")
        let runs = try c.db().query("""
            SELECT as_of_date::text, status FROM runs WHERE as_of_date > $1 ORDER BY run_id
            """, [lastRun]).rows.map { [$0[0]!, $0[1]!] }
        let missed = try c.db().query("SELECT trading_date::text FROM ingested_files WHERE trading_date > $1",
                                      [lastRun]).rows.map { $0[0]! }.sorted()
        #expect(runs == missed.map { [$0, "completed"] })
        for d in missed {
            let r = try #require(try c.scalar("SELECT run_id FROM runs WHERE as_of_date = $1", [d]))
            try c.expectExactAccounting(runId: Int64(r)!)
        }
        // The outcomes the files complete were brought up to date after the runs: the last run's
        // predictions now have their realised return, and each has its next day as target.
        #expect(try c.count("SELECT count(*) FROM accuracy_daily WHERE as_of_date = $1", [lastRun]) > 0)
        #expect(try c.count("SELECT count(*) FROM predictions WHERE as_of_date = $1 AND target_date <> $2",
                            [lastRun, missed[0]]) == 0)
        // Again, without the bad file: everything is loaded and predicted already.
        try FileManager.default.removeItem(atPath: bad)
        let (again, said2) = try c.coordinatorOutput(["catch-up", "--ingest", c.dir + "/incoming"])
        #expect(again == 0, "\(said2)")
        #expect(said2.contains("2 unchanged"), "\(said2)")
        #expect(said2.contains("nothing to catch up"))
        // An ingest's flag without --ingest is refused, not ignored.
        let (usage, said4) = try c.coordinatorOutput(["catch-up", "--strict"])
        #expect(usage == 64)
        #expect(said4.contains("--strict") && said4.contains("--ingest"), "\(said4)")
        // A folder that does not exist: ingest's exit (1), and still nothing lost.
        let (gone, said3) = try c.coordinatorOutput(["catch-up", "--ingest", c.dir + "/nowhere"])
        #expect(gone == 1)
        #expect(said3.contains("nowhere") && said3.contains("nothing to catch up"), "\(said3)")
        // A second market's first file: loaded, then the catch-up asks which market (as `run`
        // does), rather than catching up the first one alone and leaving the new one unseen.
        let other = try #require(try FileManager.default.contentsOfDirectory(atPath: c.dir + "/incoming").sorted().first)
        let second = c.dir + "/second"
        try FileManager.default.createDirectory(atPath: second, withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: c.dir + "/incoming/" + other,
                                         toPath: second + "/" + other.replacingOccurrences(of: "nepse_", with: "nyse_"))
        let (twoMarkets, said5) = try c.coordinatorOutput(["catch-up", "--ingest", second])
        #expect(twoMarkets == 64, "\(said5)")
        #expect(said5.contains("several markets") && said5.contains("nyse"), "\(said5)")
        #expect(try c.count("SELECT count(*) FROM ingested_files WHERE market = 'nyse'") == 1)
    }

    @Test("a high-priority run launched behind a queued run is served first")
    func priorityOvertakes() throws {
        let c = try Cluster(symbols: 120, days: 30)
        let days = try c.db().query("SELECT trading_date FROM ingested_files ORDER BY 1 DESC LIMIT 2").rows.map { $0[0]! }
        // One worker, 60 ms a chunk: the normal run's 120 one-symbol chunks queue up for ~7 s.
        try c.startWorkers(1, env: ["CLOSEBELL_FAULT_DELAY_MS": "60"])
        defer { c.stopWorkers() }
        let normal = try c.spawn("coordinator", ["run", "--date", days[1], "--chunk-size", "1", "--timeout", "60"])
        #expect(c.waitForChunks(.done, atLeast: 3))
        let high = try c.spawn("coordinator", ["run", "--date", days[0], "--chunk-size", "20", "--priority", "high"])
        #expect(high.wait() == 0)
        // When the high-priority run finished, much of the queued run was still waiting (so the
        // check below is not met by a queue already drained; the bound leaves a slow start room).
        let open = try c.count("""
            SELECT count(*) FROM chunks JOIN runs USING (run_id) WHERE as_of_date = $1 AND chunks.status <> 'done'
            """, [days[1]])
        #expect(open > 20, "only \(open) of the queued run's 120 chunks were still open")
        // While the high-priority run's chunks were being worked, the worker took no other chunk
        // (at most the one it already held).
        let between = try c.count("""
            SELECT count(*) FROM chunks n JOIN runs rn USING (run_id), (
              SELECT min(c.taken_at) AS first, max(c.completed_at) AS last
              FROM chunks c JOIN runs r USING (run_id) WHERE r.as_of_date = $2) h
            WHERE rn.as_of_date = $1 AND n.taken_at > h.first AND n.taken_at < h.last
            """, [days[1], days[0]])
        #expect(between <= 1, "\(between) chunks of the queued run were taken while the high-priority run was served")
        #expect(normal.wait() == 0)
        for d in days {
            let r = try #require(try c.db().query("SELECT run_id FROM runs WHERE as_of_date = $1", [d]).scalar)
            try c.expectExactAccounting(runId: Int64(r)!)
        }
        #expect(try c.db().query("SELECT config->>'priority' FROM runs WHERE as_of_date = $1", [days[0]]).scalar == "high")
    }
}
