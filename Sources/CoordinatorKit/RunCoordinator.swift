import ClosebellCore
import ClosebellProtocol
import ClosebellStorage
import Foundation
import Logging

/// Drives one run to its end: plan (or resume), publish chunks, aggregate results, account
/// for failures, retries and dead letters, report progress.
///
/// Two coordinators never run the same date: a session-level advisory lock on the date is
/// held for the whole run (and re-taken after a database reconnect). Results of any run may
/// arrive here — every coordinator applies what it receives to the ledger, idempotently — but
/// each coordinator watches only its own run's chunks to decide when it is done.
public final class RunCoordinator {
    let options: RunOptions
    var logger: Logger
    private var logFile: FileHandle?
    public private(set) var runId: Int64?
    private var lockConn: PGConnection?
    private let window: Int
    private let timestampFormatter = ISO8601DateFormatter()
    /// Seconds spent per stage in this process, for the closing summary.
    public private(set) var timings = StageTimings()

    /// Where a run's time went (seconds).
    public struct StageTimings: Sendable {
        public var plan = 0.0
        public var loadWindows = 0.0
        public var publish = 0.0
        public var aggregate = 0.0
        public var waiting = 0.0
    }

    static let publishChannel: UInt16 = 2
    static let resultChannel: UInt16 = 3
    static let deadChannel: UInt16 = 4

    public init(options: RunOptions, logger: Logger = Logger(label: "closebell.coordinator")) {
        self.options = options
        self.logger = logger
        self.window = Predictor(store: ModelStore(root: options.modelStore)).window
    }

    /// The advisory-lock key for a date.
    public static func lockKey(_ day: Day) -> Int64 { 0x636C_6F73_0000_0000 | Int64(day.daysSinceEpoch) }

    /// Runs to the end; returns the exit and the final run record.
    public func run() throws -> (RunExit, RunRecord?) {
        let started = Date()
        // 1. The date's lock, on its own connection, held until we return.
        let lock = try PGConnection(options.databaseURL)
        guard try lock.tryAdvisoryLock(Self.lockKey(options.asOf)) else {
            say("another coordinator is already running \(options.asOf); not starting a second one")
            return (.locked, nil)
        }
        lockConn = lock
        defer { lock.close() }
        let db = try Database(url: options.databaseURL, logger: logger)
        db.onReconnect = { [options] _ in
            // libpq notices a dead socket only when it is used: ask the lock connection itself.
            if let l = self.lockConn, l.isOpen, (try? l.query("SELECT 1")) != nil { return }
            self.lockConn?.close()
            let l = try PGConnection(options.databaseURL)
            guard try l.tryAdvisoryLock(Self.lockKey(options.asOf)) else {
                throw PGError(sqlState: "55P03", message: "lost the lock for \(options.asOf) to another coordinator during a database outage")
            }
            self.lockConn = l
        }
        defer { db.close() }
        _ = try db.retrying { try Migrator.migrate($0) }

        // 2. Resume the date's unfinished run, or plan a new one.
        var t0 = Date()
        let id = try planOrResume(db)
        timings.plan = Date().timeIntervalSince(t0)
        runId = id
        openLog(id)
        let run0 = try db.retrying { try RunLedger(db: $0).run(id)! }
        say("run \(id) for \(options.asOf): \(run0.total) symbols in \(try db.retrying { try RunLedger(db: $0).chunks(id).count }) chunks (chunk size \(options.chunkSize), window \(window) rows, models \(options.modelStore))")

        // 3. The broker: confirms for publishing, consumers for results and dead letters.
        let t = options.topology
        let session = AMQPSession(url: options.amqpURL, topology: t.topology, logger: logger) { c in
            try c.enableConfirms(channel: Self.publishChannel)
            try c.setPrefetch(channel: Self.resultChannel, count: 500)
            try c.consume(channel: Self.resultChannel, queue: t.resultQueue)
            try c.setPrefetch(channel: Self.deadChannel, count: 100)
            try c.consume(channel: Self.deadChannel, queue: t.deadLetterQueue)
        }
        session.giveUpAfterSeconds = 300
        defer { session.close() }

        var lastTick = Date.distantPast
        var final: RunRecord?
        let processedAtStart = run0.processed
        while true {
            try publishDue(db, session, id)
            t0 = Date()
            try drain(db, session, seconds: 0.1)
            timings.waiting += Date().timeIntervalSince(t0)
            if Date().timeIntervalSince(lastTick) >= options.progressIntervalSeconds {
                lastTick = Date()
                for (chunkNo, attempt) in try db.retrying({ try RunLedger(db: $0).overdueChunks(id, timeoutSeconds: options.timeoutSeconds) }) {
                    let failedForGood = try db.retrying {
                        try RunLedger(db: $0).chunkAttemptFailed(runId: id, chunkNo: chunkNo, attempt: attempt,
                                                                reason: "no result within \(Int(options.timeoutSeconds))s (attempt \(attempt))")
                    }
                    say("chunk \(chunkNo) timed out on attempt \(attempt)" + (failedForGood == true ? "; out of attempts, its symbols are failed" : "; will retry"))
                }
                let r = try db.retrying { try RunLedger(db: $0).run(id)! }
                if r.status == "cancelled" { final = r; say("run \(id) was cancelled"); break }
                progress(r, since: started, processedAtStart: processedAtStart)
            }
            if try db.retrying({ try RunLedger(db: $0).openChunkCount(id) }) == 0 {
                final = try db.retrying { try RunLedger(db: $0).finish(id) }
                break
            }
        }
        let r = final!
        let secs = Date().timeIntervalSince(started)
        say(String(format: "run %lld %@: %@ — %d symbols, %d succeeded, %d failed, %.2fs, %.0f symbols/s",
                   id, options.asOf.description, r.status, r.total, r.succeeded, r.failed, secs, Double(r.processed - processedAtStart) / max(secs, 1e-9)))
        let compute = (try? db.retrying { try $0.query("SELECT coalesce(sum(compute_ms), 0) / 1000, coalesce(max(compute_ms), 0) / 1000 FROM chunks WHERE run_id = $1", [Int(id)]).rows.first }) ?? nil
        say(String(format: "timings: plan %.3fs, load windows %.3fs, publish %.3fs, aggregate %.3fs (in %.3fs waiting for results), worker compute %.3fs summed over chunks",
                   timings.plan, timings.loadWindows, timings.publish, timings.aggregate, timings.waiting - timings.aggregate,
                   Double(compute?[0] ?? "0") ?? 0))
        try? logFile?.close()
        return (RunExit(status: r.status), r)
    }

    func planOrResume(_ db: Database) throws -> Int64 {
        if let active = try db.retrying({ try RunLedger(db: $0).activeRun(asOf: options.asOf) }) {
            say("resuming run \(active.id) for \(options.asOf): \(active.processed) of \(active.total) symbols already processed")
            return active.id
        }
        var symbols = try options.symbols ?? db.retrying { try MarketStore(db: $0).symbols(on: options.asOf) }
        if options.onlyUnpredicted {
            symbols = try db.retrying { try MarketStore(db: $0).unpredicted(symbols, on: options.asOf) }
        }
        let chunks = RunPlan.chunks(symbols, chunkSize: options.chunkSize)
        if symbols.isEmpty { say("no symbols to predict for \(options.asOf)") }
        return try db.retrying { c in
            if let active = try RunLedger(db: c).activeRun(asOf: options.asOf) { return active.id }  // a retried insert that had committed
            return try RunLedger(db: c).createRun(asOf: options.asOf, chunks: chunks, config: options.configJSON,
                                                  parent: options.parentRunId, coordinator: options.coordinatorId)
        }
    }

    /// Publishes every chunk that is due, with confirms, then records them as published.
    func publishDue(_ db: Database, _ session: AMQPSession, _ id: Int64) throws {
        let due = try db.retrying { try RunLedger(db: $0).dueChunks(id, limit: 2000) }
        guard !due.isEmpty else { return }
        var t0 = Date()
        let windows = try db.retrying { try MarketStore(db: $0).windows(due.flatMap(\.symbols), through: options.asOf, rows: window) }
        timings.loadWindows += Date().timeIntervalSince(t0)
        t0 = Date()
        defer { timings.publish += Date().timeIntervalSince(t0) }
        let t = options.topology
        do {
            try session.withConnection { c in
                for ch in due {
                    let series = ch.symbols.map { windows[$0] ?? SymbolSeries(symbol: $0) }
                    let msg = ChunkMessage(runId: id, chunkNo: ch.chunkNo, attempt: ch.attempts + 1, asOf: options.asOf,
                                           modelStore: options.modelStore, tradingWeekdays: options.tradingWeekdays, series: series)
                    try c.publish(channel: Self.publishChannel, exchange: t.exchange, routingKey: t.chunkRoutingKey, body: msg.encode(),
                                  properties: .init(messageId: msg.messageId, type: WireFormat.Kind.chunk.typeName))
                    if c.outstandingConfirms(channel: Self.publishChannel) >= 256 {
                        try c.waitForConfirms(channel: Self.publishChannel, maxOutstanding: 128)
                    }
                }
                try c.waitForConfirms(channel: Self.publishChannel)
            }
        } catch let e as AMQPError where e.isConnectionLoss {
            logger.warning("broker lost while publishing; will publish again", metadata: ["error": "\(e)"])
            return
        }
        try db.retrying { try RunLedger(db: $0).markPublished(id, chunkNos: due.map(\.chunkNo)) }
    }

    /// Applies results and dead letters arriving within `seconds`; each is acked only after
    /// its transaction committed.
    func drain(_ db: Database, _ session: AMQPSession, seconds: Double) throws {
        let deadline = Date().addingTimeInterval(seconds)
        do {
            try session.withConnection { c in
                // Wait for the first delivery; then take only what has already arrived, so the
                // loop can notice the run is complete as soon as the last result is applied.
                var handled = 0
                while true {
                    let remaining = handled == 0 ? deadline.timeIntervalSinceNow : 0.0005
                    guard remaining > 0, let d = try c.nextDelivery(timeoutSeconds: remaining) else { return }
                    if d.channel == Self.resultChannel { try handleResult(d, db, c) } else { try handleDeadLetter(d, db, c) }
                    handled += 1
                }
            }
        } catch let e as AMQPError where e.isConnectionLoss {
            logger.warning("broker lost; reconnecting (unacked results will be delivered again)", metadata: ["error": "\(e)"])
        }
    }

    func handleResult(_ d: AMQPDelivery, _ db: Database, _ c: AMQPConnection) throws {
        let t0 = Date()
        defer { timings.aggregate += Date().timeIntervalSince(t0) }
        let result: ResultMessage
        do { result = try ResultMessage.decode(d.body) } catch {
            logger.error("undecodable result dead-lettered", metadata: ["error": "\(error)", "message_id": "\(d.properties.messageId ?? "-")"])
            try c.nack(channel: d.channel, deliveryTag: d.deliveryTag, requeue: false)
            return
        }
        let outcome = try db.retrying { conn in
            try RunLedger(db: conn).apply(
                runId: result.runId, chunkNo: result.chunkNo, asOf: result.asOf, worker: result.worker,
                computeMillis: Double(result.computeMicros) / 1000,
                predictions: result.predictions.map { ($0.symbol, $0.target, $0.value, $0.model.kind.rawValue, $0.model.path, $0.model.hash, $0.model.kind == .fallback) },
                failures: result.failures.map { ($0.symbol, $0.stage, $0.error) })
        }
        if outcome == .duplicate {
            logger.debug("duplicate result ignored", metadata: ["run": "\(result.runId)", "chunk": "\(result.chunkNo)"])
        }
        try c.ack(channel: d.channel, deliveryTag: d.deliveryTag)
    }

    func handleDeadLetter(_ d: AMQPDelivery, _ db: Database, _ c: AMQPConnection) throws {
        guard let chunk = try? ChunkMessage.decode(d.body) else {
            logger.error("dead letter that is not a chunk; dropped after logging",
                         metadata: ["message_id": "\(d.properties.messageId ?? "-")", "reason": "\(Self.deathReason(d))"])
            try c.ack(channel: d.channel, deliveryTag: d.deliveryTag)
            return
        }
        let reason = "dead-lettered: \(Self.deathReason(d))"
        let failedForGood = try db.retrying {
            try RunLedger(db: $0).chunkAttemptFailed(runId: chunk.runId, chunkNo: chunk.chunkNo, attempt: chunk.attempt, reason: reason)
        }
        if let failedForGood, chunk.runId == runId {
            say("chunk \(chunk.chunkNo) attempt \(chunk.attempt) \(reason)" + (failedForGood ? "; out of attempts, its symbols are failed" : "; will retry after backoff"))
        }
        try c.ack(channel: d.channel, deliveryTag: d.deliveryTag)
    }

    /// The worker's reason (`x-closebell-error`) or the broker's (`x-death` reason, e.g. `delivery_limit`).
    static func deathReason(_ d: AMQPDelivery) -> String {
        if let e = d.properties.headers["x-closebell-error"]?.stringValue { return e }
        if let death = d.properties.headers["x-death"]?.arrayValue?.first?.tableValue {
            let reason = death["reason"]?.stringValue ?? "?"
            let count = death["count"]?.intValue.map { " after \($0) deliveries" } ?? ""
            return reason == "delivery_limit" ? "delivery limit reached (the chunk crashed or was rejected by workers\(count))" : reason
        }
        return d.properties.headers["x-first-death-reason"]?.stringValue ?? "unknown reason"
    }

    func progress(_ r: RunRecord, since started: Date, processedAtStart: Int) {
        let secs = Date().timeIntervalSince(started)
        let done = r.processed - processedAtStart
        let rate = Double(done) / max(secs, 1e-9)
        let left = r.total - r.processed
        let eta = rate > 0 ? String(format: "%.1fs", Double(left) / rate) : "?"
        say(String(format: "run %lld: %d/%d symbols (%.1f%%), %d ok, %d failed, %.0f symbols/s, ETA %@",
                   r.id, r.processed, r.total, r.progress, r.succeeded, r.failed, rate, eta))
    }

    func openLog(_ id: Int64) {
        guard let dir = options.logDirectory else { return }
        try? FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let path = (dir as NSString).appendingPathComponent("run-\(id).log")
        if !FileManager.default.fileExists(atPath: path) { _ = FileManager.default.createFile(atPath: path, contents: nil) }
        logFile = FileHandle(forWritingAtPath: path)
        logFile?.seekToEndOfFile()
    }

    func say(_ line: String) {
        let stamped = "\(timestampFormatter.string(from: Date())) \(line)"
        if options.printProgress { FileHandle.standardOutput.write(Data((stamped + "\n").utf8)) }
        logFile?.write(Data((stamped + "\n").utf8))
    }
}
