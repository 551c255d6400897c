import ClosebellCore
import ClosebellCoordinator
import ClosebellProtocol
import ClosebellStorage
import Foundation
import Synchronization
import Testing

/// A large set of windows is read as two halves on two connections
/// (``RunOptions/splitLoadRows``), and a backfill's chunks are made ready ahead a batch at a
/// time (``RunOptions/publishRows``): every symbol must still get its whole window, so the
/// predictions equal those of the same run read in one piece.
@Suite("Windows read as two halves", .serialized,
       .enabled(if: TestServers.databaseShouldRun, TestServers.databaseSkipReason))
struct SplitLoadTests {
    /// Runs the cluster's date (or the backfill from `first`) on a memory broker with two
    /// worker threads; `split` forces the two-half read of every publish.
    func run(_ c: Cluster, first: Day?, split: Bool, publishRows: Int = 250_000) throws -> [[String?]] {
        var request = RunRequest(market: "nepse", asOf: c.day, modelStore: c.dir + "/models")
        request.chunkSize = 7
        request.firstDay = first
        var options = RunOptions(request: request, databaseURL: c.databaseURL,
                                 amqpURL: try AMQPURL("amqp://unused@127.0.0.1:1/%2F"), topology: c.topology)
        options.progressIntervalSeconds = 0.05
        options.printProgress = false
        options.splitLoadRows = split ? 1 : Int.max
        options.publishRows = publishRows
        let broker = MemoryRunBroker()
        let workers = MemoryWorkers(broker, count: 2) { _ in .process }
        defer { workers.shutdown() }
        let (exit, record) = try RunCoordinator(options: options, broker: { broker }).run()
        let r = try #require(record)
        #expect(exit == .completed || exit == .completedWithFailures)
        try c.expectExactAccounting(runId: r.id, entries: first != nil)
        let db = try c.db()
        defer { db.close() }
        return try db.query("""
            SELECT symbol, as_of_date::text, predicted_return::text, model_kind FROM predictions
            WHERE run_id = $1 ORDER BY symbol, as_of_date
            """, [Int(r.id)]).rows
    }

    @Test("a daily run read in two halves predicts what it predicts read in one piece")
    func daily() throws {
        let c = try Cluster(symbols: 40, days: 30)
        let whole = try run(c, first: nil, split: false)
        let halves = try run(c, first: nil, split: true)
        #expect(whole.count > 30)
        #expect(halves == whole)
    }

    @Test("a backfill made ready a chunk at a time predicts what it predicts made ready at once")
    func backfill() throws {
        let c = try Cluster(symbols: 30, days: 40)
        let db = try c.db()
        let first = try #require(try db.query("""
            SELECT DISTINCT trading_date::text FROM ohlcv WHERE trading_date <= $1 ORDER BY 1 DESC OFFSET 6 LIMIT 1
            """, [c.day.description]).scalar.flatMap(Day.init(iso:)))
        db.close()
        let whole = try run(c, first: first, split: false)
        let oneByOne = try run(c, first: first, split: false, publishRows: 1)
        #expect(Set(whole.map { $0[1] }).count == 7)
        #expect(oneByOne == whole)
    }
}
