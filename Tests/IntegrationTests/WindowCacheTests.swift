import ClosebellCore
import ClosebellCoordinator
import ClosebellProtocol
import ClosebellStorage
import Foundation
import Logging
import Testing

/// A resident coordinator keeps each run's windows for the next (``WindowCache``): its
/// predictions must equal those of a coordinator that reads everything, whatever changed in
/// `ohlcv` between the runs — declared by an ingest or not declared at all.
@Suite("Windows kept between a resident coordinator's runs", .serialized,
       .enabled(if: TestServers.databaseShouldRun, TestServers.databaseSkipReason))
struct WindowCacheTests {
    /// The broker of the resident coordinator's session.
    let sessionBroker = MemoryRunBroker()

    /// One daily run of `day` on a memory broker with two worker threads, on `session` when
    /// given (the resident coordinator), else reading everything; its predictions and the days
    /// it took from the cache.
    func run(_ c: Cluster, _ day: String, session: RunSession?, split: Bool = false,
             keptIn folder: String? = nil) throws
        -> (rows: [[String?]], cached: Int, window: Int) {
        var request = RunRequest(market: "nepse", asOf: Day(iso: day)!, modelStore: c.dir + "/models")
        request.chunkSize = 7
        var options = RunOptions(request: request, databaseURL: c.databaseURL,
                                 amqpURL: try AMQPURL("amqp://unused@127.0.0.1:1/%2F"), topology: c.topology)
        options.progressIntervalSeconds = 0.05
        options.printProgress = false
        options.splitLoadRows = split ? 1 : Int.max
        options.session = session
        options.windowCacheDirectory = folder
        let broker = session == nil ? MemoryRunBroker() : sessionBroker
        let workers = MemoryWorkers(broker, count: 2) { _ in .process }
        defer { workers.shutdown() }
        let coordinator = RunCoordinator(options: options, broker: { broker })
        let (exit, record) = try coordinator.run()
        let r = try #require(record)
        #expect(exit == .completed || exit == .completedWithFailures)
        try c.expectExactAccounting(runId: r.id)
        let db = try c.db()
        defer { db.close() }
        let rows = try db.query("""
            SELECT symbol, predicted_return::text, model_kind FROM predictions
            WHERE run_id = $1 ORDER BY symbol
            """, [Int(r.id)]).rows
        return (rows, coordinator.timings.cachedDays, coordinator.timings.windowDays)
    }

    @Test("kept windows give the predictions of a full read, after declared and undeclared changes")
    func keptWindowsEqualFullReads() throws {
        let c = try Cluster(symbols: 30, days: 45)
        let db = try c.db()
        defer { db.close() }
        let days = try db.query("SELECT trading_date::text FROM ingested_files ORDER BY 1 DESC LIMIT 6").rows
            .map { $0[0]! }.reversed() as [String]
        let session = RunSession(url: c.databaseURL, broker: sessionBroker, logger: Logger(label: "test"))
        defer { session.close() }

        // 1. The first run fills the cache; the next day takes all but its own day from it.
        let first = try run(c, days[1], session: session)
        #expect(first.cached == 0)
        #expect(first.rows == (try run(c, days[1], session: nil)).rows)
        let second = try run(c, days[2], session: session, split: true)
        let window = second.window
        #expect(window > 5)
        #expect(second.cached == window - 1, "the second day's run read every day again")
        #expect(second.rows == (try run(c, days[2], session: nil)).rows)

        // 2. An operator's UPDATE declares no day: the whole window is read again.
        let before = try run(c, days[3], session: nil).rows
        try db.query("UPDATE ohlcv SET close = close * 1.5 WHERE symbol = 'AAAA' AND trading_date = $1", [days[2]])
        let updated = try run(c, days[3], session: session)
        #expect(updated.cached == 0, "kept windows were used after an undeclared change")
        let fresh = try run(c, days[3], session: nil).rows
        #expect(updated.rows == fresh)
        #expect(fresh.first { $0[0] == "AAAA" } != before.first { $0[0] == "AAAA" }, "the change changed nothing")

        // 3. A changed file of an earlier day, ingested again: that day and the later ones are
        // read again, the days before it still come from the cache.
        let name = "nepse_\(days[0].replacingOccurrences(of: "-", with: "")).csv"
        let text = try String(contentsOfFile: "\(c.dir)/data/\(name)", encoding: .utf8)
        let changed = text.split(separator: "\n").map { line -> String in
            guard line.contains(",AAAB,") else { return String(line) }
            var f = line.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
            f[5] = String(Double(f[5])! * 0.7)
            return f.joined(separator: ",")
        }.joined(separator: "\n") + "\n"
        try FileManager.default.createDirectory(atPath: c.dir + "/changed", withIntermediateDirectories: true)
        try changed.write(toFile: "\(c.dir)/changed/\(name)", atomically: true, encoding: .utf8)
        let before4 = try run(c, days[4], session: nil).rows
        #expect(try c.coordinator(["ingest", "\(c.dir)/changed/\(name)"]) == 0)
        let replaced = try run(c, days[4], session: session)
        // The window through days[4] ends with days[0] ... days[4]: its first window - 5 days are kept.
        #expect(replaced.cached == window - 5, "a declared change of one day sent the whole window to the database")
        let fresh4 = try run(c, days[4], session: nil).rows
        #expect(replaced.rows == fresh4)
        #expect(fresh4.first { $0[0] == "AAAB" } != before4.first { $0[0] == "AAAB" },
                "the changed file changed nothing")

        // 4. Nothing changed: the same day again takes its whole window from the cache.
        let again = try run(c, days[4], session: session)
        #expect(again.cached == window)
        #expect(again.rows == fresh4)
    }

    @Test("windows kept in a file give runs from cron the predictions of a full read; another table's are not used")
    func windowsKeptInAFile() throws {
        let c = try Cluster(symbols: 30, days: 45)
        let db = try c.db()
        defer { db.close() }
        let days = try db.query("SELECT trading_date::text FROM ingested_files ORDER BY 1 DESC LIMIT 4").rows
            .map { $0[0]! }.reversed() as [String]
        let folder = c.dir + "/window-cache", file = WindowCache.path(in: folder, market: "nepse")

        // Each run is a coordinator of its own, as cron starts them: only the file links them.
        let first = try run(c, days[0], session: nil, keptIn: folder)
        #expect(first.cached == 0)
        #expect(FileManager.default.fileExists(atPath: file), "the run kept nothing")
        #expect(first.rows == (try run(c, days[0], session: nil)).rows)
        let second = try run(c, days[1], session: nil, split: true, keptIn: folder)
        #expect(second.cached == second.window - 1, "the next day's run read every day again")
        #expect(second.rows == (try run(c, days[1], session: nil)).rows)

        // An undeclared change, then a rewrite of the table (a new file node: another table).
        try db.query("UPDATE ohlcv SET close = close * 1.5 WHERE symbol = 'AAAA' AND trading_date = $1", [days[1]])
        let updated = try run(c, days[2], session: nil, keptIn: folder)
        #expect(updated.cached == 0, "kept windows were used after an undeclared change")
        #expect(updated.rows == (try run(c, days[2], session: nil)).rows)
        try db.execute("VACUUM FULL ohlcv")
        let rewritten = try run(c, days[2], session: nil, keptIn: folder)
        #expect(rewritten.cached == 0, "windows kept from the table before its rewrite were used")
        #expect(try run(c, days[2], session: nil, keptIn: folder).cached == rewritten.window)

        // The trigger that notes changes disabled by hand: the file is neither used nor written.
        try db.execute("ALTER TABLE ohlcv DISABLE TRIGGER ohlcv_changed")
        let stamp = try FileManager.default.attributesOfItem(atPath: file)[.modificationDate] as? Date
        let unnoted = try run(c, days[2], session: nil, keptIn: folder)
        try db.execute("ALTER TABLE ohlcv ENABLE ALWAYS TRIGGER ohlcv_changed")
        #expect(unnoted.cached == 0, "windows were kept while changes went unnoted")
        #expect(try FileManager.default.attributesOfItem(atPath: file)[.modificationDate] as? Date == stamp)
        // Enabled again, the file serves again (no change was made while the trigger was off).
        #expect(try run(c, days[2], session: nil, keptIn: folder).cached == rewritten.window)

        // A damaged file is ignored, and replaced by the run.
        var bytes = [UInt8](try #require(FileManager.default.contents(atPath: file)))
        bytes[bytes.count / 3] ^= 0x40
        try Data(bytes).write(to: URL(fileURLWithPath: file))
        let damaged = try run(c, days[3], session: nil, keptIn: folder)
        #expect(damaged.cached == 0)
        #expect(damaged.rows == (try run(c, days[3], session: nil)).rows)
        #expect(try run(c, days[3], session: nil, keptIn: folder).cached == damaged.window)
    }

    @Test("changes are listed once committed after the snapshot, even when they began before it")
    func changesSinceSnapshot() throws {
        let c = try Cluster(symbols: 5, days: 25)
        let a = try c.db(), b = try c.db()
        defer { a.close(); b.close() }
        let day = try #require(try a.query("SELECT max(trading_date)::text FROM ohlcv").scalar)
        let s0 = try MarketStore(db: a).ohlcvChanges(since: nil)
        #expect(s0.touched.isEmpty)
        // An operator's UPDATE, begun before the next snapshot and committed after it.
        try b.execute("BEGIN")
        try b.query("UPDATE ohlcv SET volume = volume + 1 WHERE trading_date = $1", [day])
        let s1 = try MarketStore(db: a).ohlcvChanges(since: s0.snapshot)
        #expect(s1.touched.isEmpty, "an uncommitted change was listed")
        try b.execute("COMMIT")
        #expect(try MarketStore(db: a).ohlcvChanges(since: s1.snapshot).touched == [nil])
        #expect(try MarketStore(db: a).ohlcvChanges(since: s0.snapshot).touched == [nil])
        // A writer that declares its days (as ingest does) is listed with them.
        let s2 = try MarketStore(db: a).ohlcvChanges(since: nil)
        try b.transaction {
            try MarketStore(db: b).declareChangedDays(Day(iso: day)!, Day(iso: day)!)
            try b.query("DELETE FROM ohlcv WHERE trading_date = $1 AND symbol = 'AAAA'", [day])
        }
        #expect(try MarketStore(db: a).ohlcvChanges(since: s2.snapshot).touched == [Day(iso: day)!...Day(iso: day)!])
    }
}
