import ClosebellCore
import ClosebellStorage
import Foundation
import Testing

/// `coordinator watch`: daily files are ingested and run as they land, on connections kept
/// open across days; nothing that landed while the watcher was down is lost.
@Suite("coordinator watch: each daily file ingested and run as it lands", .serialized,
       .enabled(if: TestServers.shouldRun, TestServers.skipReason))
struct WatchTests {
    /// Renamed in or written in place, each day is run once on the same connections; bad files
    /// are reported; a file that landed while the watcher was down is taken when it starts.
    @Test("files land, each day is run once on the same connections; bad files reported; none lost while down")
    func landsAndRuns() throws {
        let c = try Cluster(symbols: 30, days: 30)
        let db = try c.db()
        defer { db.close() }
        // The last three days' files have not come yet: they will land in the inbox.
        let days = try db.query("SELECT trading_date FROM ingested_files ORDER BY 1 LIMIT 3 OFFSET 27").rows
            .map { $0[0]! }
        for table in ["ohlcv", "data_quality", "ingested_files"] {
            try db.query("DELETE FROM \(table) WHERE trading_date = ANY($1::date[])", [PGArray.text(days)])
        }
        let inbox = c.dir + "/inbox"
        try FileManager.default.createDirectory(atPath: inbox, withIntermediateDirectories: true)
        func name(_ day: String) -> String { "nepse_\(day.replacingOccurrences(of: "-", with: "")).csv" }
        func content(_ day: String) throws -> Data {
            try Data(contentsOf: URL(fileURLWithPath: "\(c.dir)/data/\(name(day))"))
        }
        // Polled on this one connection: the watcher's are then the only others on the database.
        func completed(_ day: String) -> Bool {
            let sql = "SELECT count(*) FROM runs WHERE as_of_date = $1 AND status = 'completed'"
            return (try? db.query(sql, [day]).scalar) == "1"
        }
        func watcherBackends() throws -> [String] {
            try db.query("""
                SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()
                  AND backend_type = 'client backend' ORDER BY pid
                """).rows.map { $0[0]! }
        }
        try c.startWorkers(2)
        defer { c.stopWorkers() }
        // A folder that is not there is bad usage, said by name.
        let (missing, said0) = try c.coordinatorOutput(["watch", "--inbox", inbox + "-missing"])
        #expect(missing == 64 && said0.contains("--inbox \(inbox)-missing: no such folder"), "\(said0)")
        // A rescan only every 10 minutes: within the test, only inotify can bring the files in.
        let args = ["watch", "--inbox", inbox, "--chunk-size", "10", "--rescan", "600"]
        let watcher = try c.spawn("coordinator", args)
        #expect(c.waitFor(20) { c.output("coordinator").contains("watching \(inbox)") }, "\(c.output("coordinator"))")

        // 1. Written under another name, then renamed in.
        try content(days[0]).write(to: URL(fileURLWithPath: "\(inbox)/.\(name(days[0])).part"))
        try FileManager.default.moveItem(atPath: "\(inbox)/.\(name(days[0])).part", toPath: "\(inbox)/\(name(days[0]))")
        #expect(c.waitFor(30) { completed(days[0]) }, "\(c.output("coordinator"))")
        let backends = try watcherBackends()
        #expect(!backends.isEmpty)

        // 2. Written in place: taken once closed. The day's run opens no connection of its own.
        try content(days[1]).write(to: URL(fileURLWithPath: "\(inbox)/\(name(days[1]))"))
        #expect(c.waitFor(30) { completed(days[1]) }, "\(c.output("coordinator"))")
        #expect(try watcherBackends() == backends, "the second day's run opened connections of its own")
        for d in days.prefix(2) {
            let id = try #require(try c.scalar("SELECT run_id FROM runs WHERE as_of_date = $1", [d]))
            try c.expectExactAccounting(runId: Int64(id)!)
            #expect(try c.count("SELECT count(*) FROM predictions WHERE as_of_date = $1", [d]) > 20)
        }

        // 3. A file that is not a daily file is left alone; a daily file that cannot be read is
        // reported by name, nothing of it loaded, and the watcher goes on.
        try Data("notes\n".utf8).write(to: URL(fileURLWithPath: "\(inbox)/notes.txt"))
        try Data("not,a,header\n1,2\n".utf8).write(to: URL(fileURLWithPath: "\(inbox)/nepse_20991231.csv"))
        #expect(c.waitFor(20) { c.output("coordinator").contains("nepse_20991231.csv: FAILED") },
                "\(c.output("coordinator"))")
        #expect(try c.count("SELECT count(*) FROM runs WHERE as_of_date = '2099-12-31'") == 0)
        #expect(!watcher.hasExited)

        // 4. While the watcher is idle, cron's own run of a day it watched is served as if it were
        // alone: an idle watcher is no consumer of the results queue. Were it one, it would hold
        // some of those results (and workers' started reports), unapplied, until the broker dropped
        // it for missed heartbeats a minute or more later: the run would take that long, where it
        // takes a second. Its predictions are the ones the watcher wrote.
        let sql = "SELECT symbol, predicted_return::text FROM predictions WHERE as_of_date = $1 ORDER BY symbol"
        let watched = try db.query(sql, [days[1]]).rows
        let t0 = Date()
        let (code, said) = try c.coordinatorOutput(["run", "--date", days[1], "--chunk-size", "7", "--timeout", "5"])
        #expect(code == 0, "\(said)")
        #expect(Date().timeIntervalSince(t0) < 30, "cron's run waited for results an idle watcher held")
        #expect(try db.query(sql, [days[1]]).rows == watched)
        let cron = try #require(try db.query("SELECT max(run_id) FROM runs WHERE as_of_date = $1", [days[1]]).scalar)
        #expect(try db.query("SELECT max(attempts) FROM chunks WHERE run_id = $1", [Int(cron)!]).scalar == "1")

        // 5. SIGTERM: a clean stop.
        watcher.signal(SIGTERM)
        #expect(watcher.wait() == 0)
        #expect(c.output("coordinator").contains("stopped watching"))

        // 6. A file lands while the watcher is down: taken when it starts again; the files it
        // already took are unchanged and run no day a second time.
        try content(days[2]).write(to: URL(fileURLWithPath: "\(inbox)/\(name(days[2]))"))
        let again = try c.spawn("coordinator", args)
        #expect(c.waitFor(30) { completed(days[2]) }, "\(c.output("coordinator"))")
        again.signal(SIGTERM)
        #expect(again.wait() == 0)
        for (d, n) in zip(days, [1, 2, 1]) {
            #expect(try c.count("SELECT count(*) FROM runs WHERE as_of_date = $1", [d]) == n)
        }
        #expect(try c.count("SELECT count(*) FROM runs WHERE as_of_date = '2099-12-31'") == 0)
    }

    @Test("a run SIGTERM interrupted is resumed, not restarted, on start; an ingested day no run completed is run")
    func resumesInterruptedRun() throws {
        let c = try Cluster(symbols: 30, days: 30)
        let db = try c.db()
        defer { db.close() }
        let days = try db.query("SELECT trading_date FROM ingested_files ORDER BY 1 DESC LIMIT 2").rows.map { $0[0]! }
        let (day, next) = (days[1], days[0])
        for table in ["ohlcv", "data_quality", "ingested_files"] {
            try db.query("DELETE FROM \(table) WHERE trading_date = ANY($1::date[])", [PGArray.text(days)])
        }
        let inbox = c.dir + "/inbox"
        try FileManager.default.createDirectory(atPath: inbox, withIntermediateDirectories: true)
        func name(_ d: String) -> String { "nepse_\(d.replacingOccurrences(of: "-", with: "")).csv" }
        // One slow worker: 300 ms a chunk of 3 symbols, so the run is still going when stopped.
        try c.startWorkers(1, env: ["CLOSEBELL_FAULT_DELAY_MS": "300"])
        defer { c.stopWorkers() }
        let args = ["watch", "--inbox", inbox, "--chunk-size", "3", "--rescan", "600"]
        let watcher = try c.spawn("coordinator", args)
        #expect(c.waitFor(20) { c.output("coordinator").contains("watching \(inbox)") })
        try FileManager.default.copyItem(atPath: "\(c.dir)/data/\(name(day))", toPath: "\(inbox)/\(name(day))")
        #expect(c.waitFor(20) {
            (try? db.query("SELECT count(*) FROM chunks WHERE status = 'done'").scalar).flatMap { Int($0) } ?? 0 >= 2
        })
        watcher.signal(SIGTERM)
        #expect(watcher.wait() == 0)
        let open = try #require(try db.query("SELECT run_id FROM runs WHERE as_of_date = $1 AND status = 'running'",
                                             [day]).scalar, "the stop left no open run")
        // While it is down, the next day's file is ingested by hand and lands in the inbox too:
        // unchanged for the watcher, but no run has predicted it.
        #expect(try c.coordinator(["ingest", "\(c.dir)/data/\(name(next))"]) == 0)
        try FileManager.default.copyItem(atPath: "\(c.dir)/data/\(name(next))", toPath: "\(inbox)/\(name(next))")
        let again = try c.spawn("coordinator", args)
        let completed = "SELECT count(*) FROM runs WHERE as_of_date = $1 AND status = 'completed'"
        #expect(c.waitFor(60) { (try? db.query(completed, [next]).scalar) == "1" }, "\(c.output("coordinator"))")
        again.signal(SIGTERM)
        #expect(again.wait() == 0)
        #expect(c.output("coordinator").contains("resuming the open run \(open)"))
        #expect(try db.query("SELECT status FROM runs WHERE run_id = $1", [Int(open)!]).scalar == "completed")
        for d in days { #expect(try db.query("SELECT count(*) FROM runs WHERE as_of_date = $1", [d]).scalar == "1") }
        try c.expectExactAccounting(runId: Int64(open)!)
    }
}
