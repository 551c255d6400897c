import ClosebellCore
import ClosebellProtocol
import ClosebellStorage
import Foundation
import Logging
import Synchronization

/// Drives one run to its end: plan (or resume), publish chunks, aggregate results, account
/// for failures, retries and dead letters, report progress.
///
/// Two coordinators never run the same market's date: a named row lock (``NamedLock``) is held
/// for the whole run, and re-taken after a database reconnect. Results of any run may arrive
/// here — every coordinator applies what it receives to the ledger, idempotently, after checking
/// it against its chunk — but each coordinator watches only its own run to decide when it is done.
/// Planning, publishing and result handling live in `RunCoordinator+*.swift`.
public final class RunCoordinator: @unchecked Sendable {
    let options: RunOptions
    /// The request being carried out: the options' own, or the stored one of a resumed run.
    var request: RunRequest
    var logger: Logger
    let reporter: RunReporter
    public private(set) var runId: Int64?
    var lockConn: PGConnection?
    let window: Int
    /// Seconds spent per stage in this process, for the closing summary.
    public internal(set) var timings = StageTimings()
    let metrics = RunMetrics()
    /// The run's second database connection (see ``SecondConnection``): opened beside the first
    /// when the run starts (`secondOpening`), taken when first needed. Opened only then, its TLS
    /// and SCRAM handshakes (15-20 ms) fell in the middle of applying a small run's results.
    var second: SecondConnection?
    var secondOpening: ThreadFuture<SecondConnection>?

    /// The second connection, opened now if it is not yet; nil while the server cannot be reached
    /// (then the caller does the work on the first connection alone).
    func secondConnection() -> SecondConnection? {
        if second == nil, let opening = secondOpening {
            secondOpening = nil
            second = try? opening.wait()
        }
        if second == nil { second = try? SecondConnection(url: options.databaseURL, logger: logger) }
        return second
    }
    /// A backfill's chunks made ready ahead (see ``publishPrefetched``), and whether the first
    /// batch was taken.
    var prefetch: ChunkPrefetch?
    var prefetchStarted = false
    /// The window cache file being written, beside the run (``windowsKeptInFile``); waited for before the run returns.
    var windowCacheSave: ThreadFuture<Void>?
    private let stopRequested = Atomic<Bool>(false)
    private let brokerUp = Atomic<Bool>(false)
    private let databaseUp = Atomic<Bool>(false)

    /// Asks the run loop to stop (graceful shutdown): the run stays open, and a later `run`
    /// for the date resumes it. Safe from any thread.
    public func requestStop() { stopRequested.store(true, ordering: .relaxed) }

    /// Why the coordinator is not ready (nil: connected to the broker and the database).
    public var notReady: String? {
        if !databaseUp.load(ordering: .relaxed) { return "not connected to PostgreSQL" }
        if !brokerUp.load(ordering: .relaxed) { return "not connected to the broker" }
        return nil
    }

    /// Where a run's time went (seconds).
    public struct StageTimings: Sendable {
        public var plan = 0.0
        public var loadWindows = 0.0
        public var publish = 0.0
        public var aggregate = 0.0
        public var waiting = 0.0
        /// A resident coordinator's run: the window's days taken from its ``WindowCache``, and the window's days.
        public var cachedDays = 0, windowDays = 0
    }

    /// Opens the broker connection when the run starts (RabbitMQ unless a test gives another).
    let makeBroker: () -> any RunBroker

    public init(options: RunOptions, logger: Logger = Logger(label: "closebell.coordinator"),
                broker: (() -> any RunBroker)? = nil) {
        self.options = options
        self.makeBroker = broker ?? {
            AMQPRunBroker(url: options.amqpURL, topology: options.topology,
                          giveUpAfter: .seconds(options.brokerGiveUpSeconds),
                          resultPrefetch: options.request.isBackfill ? 16 : 500, logger: logger)
        }
        self.request = options.request
        self.logger = logger
        self.reporter = RunReporter(printToStdout: options.printProgress, logDirectory: options.logDirectory)
        self.window = Predictor(store: ModelStore(root: options.request.modelStore),
                                calendar: TradingCalendar(weekdays: Set(options.request.tradingWeekdays))).window
    }

    var lockName: String { NamedLock.run(market: request.market, asOf: request.daysDescription) }

    /// The command that resumes this run.
    var resumeHint: String {
        request.firstDay.map { "`coordinator backfill --from \($0) --to \(request.asOf)`" }
            ?? "`coordinator run --date \(request.asOf)`"
    }

    /// Runs to the end; returns the exit and the final run record.
    public func run() throws -> (RunExit, RunRecord?) {
        let started = Date()
        try request.validate()
        // 1. The date's lock, on its own connection, held until we return; the run's own
        // connection opens beside it (or all are borrowed from the resident session).
        if let session = options.session { return try run(borrowing: session, started: started) }
        let url = options.databaseURL, log = logger
        let opening = ThreadFuture { try ReconnectingPGConnection(url: url, logger: log) }
        secondOpening = ThreadFuture { try SecondConnection(url: url, logger: log) }
        defer {
            (try? secondOpening?.wait())?.close()  // never taken
            secondOpening = nil
        }
        let lock: PGConnection
        do {
            lock = try options.connectionHandOff?.take() ?? PGConnection(url)
            try Migrator.migrate(lock)
            guard try NamedLock.tryHold(lockName, on: lock) else {
                lock.close()
                (try? opening.wait())?.close()
                sayLocked()
                return (.locked, nil)
            }
        } catch {
            (try? opening.wait())?.close()
            throw error
        }
        lockConn = lock
        defer { lockConn?.close() }
        // The broker's handshake (topology, confirms, consumers) while the run's database
        // connections finish theirs.
        let broker = makeBroker()
        defer { broker.close() }
        broker.connect()
        let db = try opening.wait()
        defer {
            db.close()
            second?.close()
            second = nil
        }
        return try run(db, broker, started: started)
    }

    /// The run itself, once the lock is held: plan or resume, publish, aggregate, report.
    func run(_ db: ReconnectingPGConnection, _ broker: any RunBroker, started: Date) throws -> (RunExit, RunRecord?) {
        db.onReconnect = { [weak self] _ in try self?.retakeLock() }
        defer {
            db.onReconnect = nil
            prefetch?.close()
            prefetch = nil
            try? windowCacheSave?.wait()
        }

        // 2. Resume the date's unfinished run, or plan a new one.
        var t0 = Date()
        let high = request.priority == .high
        let id = try planOrResume(db, consumers: { broker.chunkConsumers(high: high) })
        timings.plan = Date().timeIntervalSince(t0)
        runId = id
        if let file = options.runIdFile { try? Data("\(id)\n".utf8).write(to: URL(fileURLWithPath: file), options: .atomic) }
        reporter.openLog(runId: id)
        defer { reporter.close() }
        let run0 = try db.ledger { try $0.run(id)! }
        if let early = try finishIfEmpty(db, run0) { return early }
        let chunkCount = try db.ledger { try $0.chunks(id).count }
        say("run \(id) for \(request.market) \(request.daysDescription): \(run0.total) \(request.isBackfill ? "entries" : "symbols") "
            + "in \(chunkCount) chunks "
            + "(chunk size \(request.chunkSize), window \(window) rows, models \(request.modelStore))")


        var lastTick = started  // the first progress line and timeout check come a second in
        var final: RunRecord?
        let processedAtStart = run0.processed
        databaseUp.store(true, ordering: .relaxed)
        do {
            while true {
                if stopRequested.load(ordering: .relaxed) {
                    say("stopping on request; run \(id) stays open: \(resumeHint) resumes it")
                    reporter.summary(try db.ledger { try $0.run(id)! }, seconds: Date().timeIntervalSince(started),
                                     processedAtStart: processedAtStart)
                    return (.failed, nil)
                }
                try publishDue(db, broker, id)
                t0 = Date()
                try drain(db, broker, timeout: .milliseconds(100))
                timings.waiting += Date().timeIntervalSince(t0)
                if Date().timeIntervalSince(lastTick) >= options.progressIntervalSeconds {
                    lastTick = Date()
                    try expireOverdue(db, id)
                    let r = try db.ledger { try $0.run(id)! }
                    if r.status == .cancelled { final = r; say("run \(id) was cancelled"); break }
                    reporter.progress(r, since: started, processedAtStart: processedAtStart)
                    metrics.update(r, chunks: try db.ledger { try $0.chunkStates(id) }, since: started)
                    pollQueues(broker)
                }
                if try db.ledger({ try $0.openChunkCount(id) }) == 0 {
                    final = try db.ledger { try $0.finish(id) }
                    // Late copies (duplicates, a timed-out attempt's result) already delivered are
                    // taken and acknowledged now; any still on their way, by the next run (results
                    // are applied idempotently by whichever coordinator takes them).
                    try drain(db, broker, timeout: .milliseconds(1))
                    break
                }
            }
        } catch let e as AMQPError where e.isConnectionLoss {
            let why = "broker unreachable for \(Int(options.brokerGiveUpSeconds))s, giving up: \(e)"
            say("run \(id): \(why); a later \(resumeHint) resumes it")
            final = try db.ledger { try $0.finish(id, error: why) }
        }
        let r = final!
        metrics.update(r, chunks: (try? db.ledger { try $0.chunkStates(id) }) ?? [:], since: started)
        reporter.summary(r, seconds: Date().timeIntervalSince(started), processedAtStart: processedAtStart)
        reportTimings(db, id)
        if let followUp = options.followUp, let conn = try? db.connection() {
            // The lock's connection is idle until we return: it sums half of a backfill's accuracy.
            followUp.runFinished(r, seconds: Date().timeIntervalSince(started), db: conn,
                                 helper: lockConn.flatMap { $0.isOpen ? $0 : nil })
        }
        return (RunExit(status: r.status), r)
    }

    /// Records a chunk's failed attempt (see ``RunLedger/chunkAttemptFailed``), counting retries.
    func attemptFailed(_ db: ReconnectingPGConnection, runId: Int64, chunkNo: Int, attempt: Int?, reason: String) throws -> Bool? {
        let failedForGood = try db.ledger { try $0.chunkAttemptFailed(runId: runId, chunkNo: chunkNo, attempt: attempt, reason: reason)
        }
        if failedForGood == false { metrics.retries.increment() }
        return failedForGood
    }

    /// Queue depth and consumers for the metrics, on the broker's own connection.
    func pollQueues(_ broker: any RunBroker) {
        let stats = broker.queueStats()
        brokerUp.store(!stats.isEmpty, ordering: .relaxed)
        metrics.queues(stats)
    }

    /// After a database outage: keep the lock if the lock connection survived, else take it
    /// again — and stop if another coordinator took it meanwhile.
    func retakeLock() throws {
        // libpq notices a dead socket only when it is used: ask the lock connection itself.
        if let l = lockConn, l.isOpen, (try? l.query("SELECT 1")) != nil { return }
        lockConn?.close()
        let l = try PGConnection(options.databaseURL)
        guard try NamedLock.tryHold(lockName, on: l) else {
            throw PGError(sqlState: "55P03",
                          message: "lost the lock for \(request.market) \(request.daysDescription) to another coordinator "
                            + "during a database outage")
        }
        lockConn = l
    }

    /// Chunks a worker took and held past the timeout: a failed attempt each.
    func expireOverdue(_ db: ReconnectingPGConnection, _ id: Int64) throws {
        let overdue = try db.ledger { try $0.overdueChunks(id, timeout: request.timeout) }
        for (chunkNo, attempt) in overdue {
            let failedForGood = try attemptFailed(db, runId: id, chunkNo: chunkNo, attempt: attempt,
                                                  reason: "no result within \(Int(request.timeoutSeconds))s of a worker taking it (attempt \(attempt))")
            say("chunk \(chunkNo) timed out on attempt \(attempt)"
                + (failedForGood == true ? "; out of attempts, its symbols are failed" : "; will retry"))
        }
    }

    func reportTimings(_ db: ReconnectingPGConnection, _ id: Int64) {
        let compute = (try? db.retrying {
            try $0.query("SELECT coalesce(sum(compute_ms), 0) / 1000 FROM chunks WHERE run_id = $1", [Int(id)]).scalar
        }) ?? nil
        let cached = timings.windowDays == 0 ? ""
            : " (\(timings.cachedDays) of \(timings.windowDays) days kept from the last run)"
        say(String(format: "timings: plan %.3fs, load windows %.3fs\(cached), publish %.3fs, aggregate %.3fs (in %.3fs waiting for results), "
                   + "worker compute %.3fs summed over chunks",
                   timings.plan, timings.loadWindows, timings.publish, timings.aggregate, timings.waiting - timings.aggregate,
                   Double(compute ?? "0") ?? 0))
    }

    func say(_ line: String) { reporter.say(line) }
}
