import ClosebellCore
import ClosebellStorage
import Foundation
import Testing

/// `coordinator backfill`: every (symbol, day) of a range predicted in one run, equal to
/// `worker predict --all-dates` for those days to the last bit, through faults.
@Suite("Backfill over a date range", .serialized, .enabled(if: TestServers.shouldRun, TestServers.skipReason))
struct BackfillTests {
    /// The range: the cluster's last `count` trading days.
    func range(_ c: Cluster, last count: Int) throws -> (first: String, last: String) {
        let days = try c.db().query("SELECT trading_date FROM ingested_files ORDER BY 1 DESC LIMIT $1", [count]).rows.map { $0[0]! }
        return (days.last!, days.first!)
    }

    /// Every stored prediction of the range equals the offline one bit for bit, and every
    /// offline prediction of the range is stored.
    func expectEqualsOffline(_ c: Cluster, first: String, last: String) throws {
        #expect(try c.tool("worker", ["predict", "--data", c.dir + "/data", "--models", c.dir + "/models", "--all-dates",
                                      "--out", c.dir + "/offline.csv"]) == 0)
        let offline = try CSVTable.read(path: c.dir + "/offline.csv").rows.filter { $0[1] >= first && $0[1] <= last }
        let stored = try c.db().query("""
            SELECT symbol, as_of_date, predicted_return, model_hash FROM predictions WHERE as_of_date BETWEEN $1 AND $2
            """, [first, last]).rows
        var mine: [String: (Double, String?)] = [:]
        for r in stored { mine["\(r[0]!)|\(r[1]!)"] = (Double(r[2]!)!, r[3]) }
        #expect(offline.count > 100)
        #expect(mine.count == offline.count)
        var differ = 0
        for o in offline {
            guard let (v, hash) = mine["\(o[0])|\(o[1])"] else { Issue.record("\(o[0]) \(o[1]) not backfilled"); continue }
            if v.bitPattern != Double(o[2])!.bitPattern || hash != o[4] { differ += 1 }
        }
        #expect(differ == 0, "\(differ) predictions differ from worker predict --all-dates")
    }

    func backfillRun(_ c: Cluster) throws -> RunRecord {
        let id = try #require(try c.db().query("SELECT max(run_id) FROM runs WHERE first_date IS NOT NULL").scalar)
        let db = try c.db()
        defer { db.close() }
        return try #require(try RunLedger(db: db).run(Int64(id)!))
    }

    @Test("every (symbol, day) of the range, equal to worker predict --all-dates; accounting per entry")
    func equalsOffline() throws {
        let c = try Cluster(symbols: 30, days: 60)
        let (first, last) = try range(c, last: 20)
        try c.startWorkers(2)
        defer { c.stopWorkers() }
        let (code, said) = try c.coordinatorOutput(["backfill", "--from", first, "--to", last, "--chunk-size", "7"])
        #expect(code == 0, "\(said)")
        let r = try backfillRun(c)
        #expect(r.status == .completed)
        #expect(r.total == (try c.count("SELECT count(*) FROM ohlcv WHERE trading_date BETWEEN $1 AND $2", [first, last])))
        #expect(r.firstDay == Day(iso: first) && r.asOf == Day(iso: last))
        try c.expectExactAccounting(runId: r.id, entries: true)
        try expectEqualsOffline(c, first: first, last: last)
        // Catch-up counts the backfilled days as done.
        let (again, said2) = try c.coordinatorOutput(["catch-up", "--since", first])
        #expect(again == 0)
        #expect(said2.contains("nothing to catch up"))
    }

    @Test("a worker killed mid-chunk and the coordinator killed mid-backfill: the same command resumes it, exactly")
    func throughCrashes() throws {
        let c = try Cluster(symbols: 40, days: 50)
        let (first, last) = try range(c, last: 15)
        try c.startWorkers(2, env: ["CLOSEBELL_FAULT_DELAY_MS": "300"])
        let args = ["backfill", "--from", first, "--to", last, "--chunk-size", "4", "--timeout", "20"]
        let coordinator = try c.spawn("coordinator", args)
        #expect(c.waitForChunks(.done, atLeast: 2))
        c.workers[0].signal(SIGKILL)
        _ = c.workers[0].wait()
        coordinator.signal(SIGKILL)
        _ = coordinator.wait()
        let (code, said) = try c.coordinatorOutput(args)
        #expect(code == 0, "\(said)")
        #expect(said.contains("resuming run"))
        let r = try backfillRun(c)
        #expect(r.status == .completed)
        #expect(try c.count("SELECT count(*) FROM runs") == 1)
        try c.expectExactAccounting(runId: r.id, entries: true)
        try expectEqualsOffline(c, first: first, last: last)
        c.stopWorkers()
    }

    @Test("--only-unpredicted on a partly done range predicts only what is missing")
    func onlyUnpredicted() throws {
        let c = try Cluster(symbols: 20, days: 40)
        let (first, last) = try range(c, last: 10)
        try c.startWorkers(2)
        defer { c.stopWorkers() }
        let symbols = try c.db().query("SELECT DISTINCT symbol FROM ohlcv ORDER BY 1 LIMIT 5").rows.map { $0[0]! }
        #expect(try c.coordinator(["backfill", "--from", first, "--to", last, "--symbols", symbols.joined(separator: ",")]) == 0)
        let partial = try c.count("SELECT count(*) FROM predictions")
        #expect(try c.coordinator(["backfill", "--from", first, "--to", last, "--only-unpredicted"]) == 0)
        let r = try backfillRun(c)
        let planned = try c.db().query("SELECT DISTINCT s FROM chunks, unnest(symbols) s WHERE run_id = $1", [Int(r.id)])
            .rows.map { $0[0]! }
        #expect(Set(planned).isDisjoint(with: symbols))
        #expect(r.total + partial == (try c.count("SELECT count(*) FROM ohlcv WHERE trading_date BETWEEN $1 AND $2", [first, last])))
        try expectEqualsOffline(c, first: first, last: last)
    }
}
