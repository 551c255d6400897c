import ClosebellCore
import ClosebellCoordinator
import ClosebellProtocol
import ClosebellStorage
import Foundation
import Synchronization
import Testing

/// The coordinator's timeout, retry, dead-letter and cancel logic, fast: the broker is a
/// ``MemoryRunBroker`` and the workers are threads (``MemoryWorkers``), so each failure is made
/// exactly, with no process to kill and no delivery limit to wait for. The ledger is the real
/// one in PostgreSQL (its accounting is SQL, and that is what is under test).
@Suite("Coordinator logic on an in-memory broker", .serialized,
       .enabled(if: TestServers.databaseShouldRun, TestServers.databaseSkipReason))
struct CoordinatorLogicTests {
    /// A run of the cluster's date on a memory broker: chunks of 10, a 1 s timeout, quick ticks.
    func coordinator(_ c: Cluster, _ broker: MemoryRunBroker, maxAttempts: Int = 3,
                     timeout: Double = 30) throws -> RunCoordinator {
        var request = RunRequest(market: "nepse", asOf: c.day, modelStore: c.dir + "/models")
        request.chunkSize = 10
        request.timeoutSeconds = timeout
        request.maxAttempts = maxAttempts
        request.backoffSeconds = 0.05
        var options = RunOptions(request: request, databaseURL: c.databaseURL,
                                 amqpURL: try AMQPURL("amqp://unused@127.0.0.1:1/%2F"), topology: c.topology)
        options.progressIntervalSeconds = 0.05
        options.printProgress = false
        return RunCoordinator(options: options, broker: { broker })
    }

    /// Runs to the end, or is stopped after `seconds` (so broken logic fails the test instead of hanging it).
    func run(_ co: RunCoordinator, within seconds: Double = 30) throws -> (RunExit, RunRecord?) {
        let finished = Atomic<Bool>(false)
        Thread.detachNewThread {
            let end = Date().addingTimeInterval(seconds)
            while Date() < end && !finished.load(ordering: .relaxed) { Thread.sleep(forTimeInterval: 0.05) }
            co.requestStop()
        }
        defer { finished.store(true, ordering: .relaxed) }
        return try co.run()
    }

    func chunks(_ c: Cluster, _ runId: Int64) throws -> [ChunkRecord] {
        let db = try c.db()
        defer { db.close() }
        return try RunLedger(db: db).chunks(runId)
    }

    @Test("every symbol predicted once, a duplicated result counted once")
    func completesExactly() throws {
        let c = try Cluster(symbols: 40, days: 30)
        let broker = MemoryRunBroker()
        let workers = MemoryWorkers(broker, count: 2) { $0.chunkNo % 2 == 0 ? .processTwice : .process }
        defer { workers.shutdown() }
        let (exit, record) = try run(coordinator(c, broker))
        let r = try #require(record)
        #expect(exit == .completed)
        #expect(r.status == .completed && r.succeeded + r.skipped == r.total)
        try c.expectExactAccounting(runId: r.id)
        #expect(try chunks(c, r.id).allSatisfy { $0.attempts == 1 })
        #expect(broker.published.count == r.total / 10 + (r.total % 10 > 0 ? 1 : 0))
    }

    @Test("a worker stuck on a chunk: it times out after being taken, is published again, and completes")
    func timeoutRetries() throws {
        let c = try Cluster(symbols: 30, days: 30)
        let broker = MemoryRunBroker()
        let workers = MemoryWorkers(broker, count: 2) { $0.chunkNo == 0 && $0.attempt == 1 ? .hang : .process }
        defer { workers.shutdown() }
        let (exit, record) = try run(coordinator(c, broker, timeout: 0.5))
        let r = try #require(record)
        #expect(exit == .completed)
        try c.expectExactAccounting(runId: r.id)
        let all = try chunks(c, r.id)
        #expect(all.first { $0.chunkNo == 0 }?.attempts == 2)
        #expect(all.filter { $0.chunkNo != 0 }.allSatisfy { $0.attempts == 1 })
    }

    @Test("a chunk that crashes every worker: dead-lettered at the delivery limit, retried as a new attempt")
    func deadLetterRetries() throws {
        let c = try Cluster(symbols: 30, days: 30)
        let broker = MemoryRunBroker(deliveryLimit: 2)
        let workers = MemoryWorkers(broker, count: 2) { $0.chunkNo == 1 && $0.attempt == 1 ? .crash : .process }
        defer { workers.shutdown() }
        let (exit, record) = try run(coordinator(c, broker))
        let r = try #require(record)
        #expect(exit == .completed)
        try c.expectExactAccounting(runId: r.id)
        #expect(try chunks(c, r.id).first { $0.chunkNo == 1 }?.attempts == 2)
    }

    @Test("a chunk refused on every attempt: its symbols fail with the reason, the rest complete (exit 2)")
    func outOfAttempts() throws {
        let c = try Cluster(symbols: 30, days: 30)
        let broker = MemoryRunBroker()
        let workers = MemoryWorkers(broker, count: 2) { $0.chunkNo == 0 ? .reject("poison chunk") : .process }
        defer { workers.shutdown() }
        let (exit, record) = try run(coordinator(c, broker, maxAttempts: 2))
        let r = try #require(record)
        #expect(exit == .completedWithFailures)
        try c.expectExactAccounting(runId: r.id)
        let first = try #require(try chunks(c, r.id).first { $0.chunkNo == 0 })
        #expect(first.status == .failed && first.attempts == 2)
        #expect(first.lastError?.contains("poison chunk") == true)
        #expect(r.failed == first.symbols.count)
    }

    @Test("a publish lost with the connection: nothing is recorded as published until the broker confirmed it")
    func lostPublish() throws {
        let c = try Cluster(symbols: 30, days: 30)
        let broker = MemoryRunBroker()
        broker.losePublishes(2)
        let workers = MemoryWorkers(broker, count: 1)
        defer { workers.shutdown() }
        let (exit, record) = try run(coordinator(c, broker))
        let r = try #require(record)
        #expect(exit == .completed)
        try c.expectExactAccounting(runId: r.id)
        #expect(Set(broker.published.map(\.messageId)).count == broker.published.count)
    }

    @Test("cancel mid-run: the coordinator stops with the run cancelled (exit 4), unfinished chunks stay unapplied")
    func cancelMidRun() throws {
        let c = try Cluster(symbols: 30, days: 30)
        let broker = MemoryRunBroker()
        let coordinator = try coordinator(c, broker)
        let outcome = Mutex<RunExit?>(nil)
        let done = DispatchSemaphore(value: 0)
        Thread.detachNewThread {
            let exit = (try? run(coordinator))?.0
            outcome.withLock { $0 = exit }
            done.signal()
        }
        // No worker takes anything: wait until the chunks are published, then cancel.
        #expect(c.waitFor(10) { broker.depth.ready > 0 })
        let db = try c.db()
        defer { db.close() }
        let runId = try #require(try RunLedger(db: db).recentRuns(limit: 1).first?.id)
        #expect(try RunLedger(db: db).cancel(runId))
        #expect(done.wait(timeout: .now() + 10) == .success)
        #expect(outcome.withLock { $0 } == .cancelled)
        #expect(try RunLedger(db: db).run(runId)?.status == .cancelled)
        #expect(try db.query("SELECT count(*) FROM predictions WHERE run_id = $1", [Int(runId)]).scalar == "0")
    }
}
