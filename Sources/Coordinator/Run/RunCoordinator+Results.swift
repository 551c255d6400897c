import ClosebellCore
import ClosebellProtocol
import ClosebellStorage
import ClosebellRuntime
import Foundation

extension RunCoordinator {
    /// Applies results and dead letters arriving within `timeout`: those that arrived together
    /// in one transaction (see ``RunLedger/applyBatch``), each acked only after it committed (or
    /// after it was rejected and the rejection recorded).
    func drain(_ db: ReconnectingPGConnection, _ broker: any RunBroker, timeout: Duration) throws {
        // A backfill's results hold thousands of predictions each: fewer per transaction.
        try broker.receive(timeout: timeout, limit: request.isBackfill ? 4 : Self.batchLimit) { batch in
            var taken: [TakenInput] = [], results: [(RunDelivery, ResultMessage)] = []
            for d in batch {
                if d.source == .deadLetters { try handleDeadLetter(d, db); continue }
                switch try decode(d, db) {
                case .started(let s)?: taken.append(TakenInput(runId: s.runId, chunkNo: s.chunkNo, attempt: s.attempt, worker: s.worker))
                case .result(let r)?: results.append((d, r))
                case nil: break
                }
            }
            guard !taken.isEmpty || !results.isEmpty else { return }
            try apply(taken: taken, results, db)
        }
    }

    /// Results applied per transaction at most.
    static let batchLimit = 64

    /// What a message on the results queue holds.
    enum Incoming { case started(StartedMessage), result(ResultMessage) }

    /// Decodes a message on the results queue; one that cannot be decoded is rejected (nil).
    func decode(_ d: RunDelivery, _ db: ReconnectingPGConnection) throws -> Incoming? {
        let queue = options.topology.resultQueue
        let kind: WireFormat.Kind
        do { kind = try WireFormat.kind(of: d.body) } catch {
            try reject(db, queue: queue, d, nil, "\(error)")
            return nil
        }
        if kind == .started {
            guard let s = try? StartedMessage.decode(d.body) else {
                try reject(db, queue: queue, d, nil, "undecodable started message")
                return nil
            }
            return .started(s)
        }
        do { return .result(try ResultMessage.decode(d.body)) } catch {
            try reject(db, queue: queue, d, nil, "\(error)")
            return nil
        }
    }

    /// Applies results (and `started` reports) in one transaction; anything that cannot be
    /// applied is rejected — recorded with the reason, its chunk's attempt counted as failed —
    /// and never stops this coordinator or blocks the queue for other runs.
    func apply(taken: [TakenInput], _ results: [(RunDelivery, ResultMessage)], _ db: ReconnectingPGConnection) throws {
        let t0 = Date()
        defer { timings.aggregate += Date().timeIntervalSince(t0) }
        let inputs = results.map { (_, r) in
            ResultInput(
                runId: r.runId, chunkNo: r.chunkNo, worker: r.worker, computeMillis: Double(r.computeMicros) / 1000,
                predictions: r.predictions.map {
                    PredictionRow(symbol: $0.symbol, day: $0.day, target: $0.target, value: $0.value, kind: $0.model.kind.rawValue,
                                  path: $0.model.path, hash: $0.model.hash, fallback: $0.model.kind == .fallback)
                },
                failures: r.failures.map { FailureRow(symbol: $0.symbol, day: $0.day, stage: $0.stage, error: $0.error) },
                skips: r.skips.map { SkipRow(symbol: $0.symbol, day: $0.day, reason: $0.reason) })
        }
        let check: (Int, ChunkContext) -> String? = { [request, runId] i, chunk in
            // This run's request is at hand; another run's is read from the ledger.
            let store = chunk.runId == runId ? request.modelStore : RunRequest.stored(chunk.config)?.modelStore
            return ResultValidator.problem(with: results[i].1, for: chunk, modelStore: store)
        }
        let outcomes = try applyInParallel(taken: taken, inputs, db, check: check)
            ?? db.ledger { try $0.applyBatch(taken: taken, results: inputs, check: check) }
        metrics.aggregate.recordSeconds(Date().timeIntervalSince(t0))
        let queue = options.topology.resultQueue
        for ((d, result), outcome) in zip(results, outcomes) {
            switch outcome {
            case .applied:
                metrics.applied.increment()
            case .duplicate:
                metrics.duplicates.increment()
                logger.debug("duplicate result ignored", metadata: [LogKey.run: "\(result.runId)", LogKey.chunk: "\(result.chunkNo)"])
            case .unknown:
                try reject(db, queue: queue, d, result, "no run \(result.runId) chunk \(result.chunkNo) in this database")
            case .rejected(let reason):
                try reject(db, queue: queue, d, result, reason)
            }
        }
    }

    /// A batch split by chunk and weight (``ApplySplit``) and applied on two connections at once
    /// (see ``SecondConnection``); nil when the batch does not split (then the caller applies it whole).
    func applyInParallel(taken: [TakenInput], _ inputs: [ResultInput], _ db: ReconnectingPGConnection,
                         check: @escaping (Int, ChunkContext) -> String?) throws -> [ResultOutcome]? {
        let split = ApplySplit(results: inputs, taken: taken)
        guard split.splits else { return nil }
        let there = inputs.indices.filter { split.resultThere[$0] }
        let here = inputs.indices.filter { !split.resultThere[$0] }
        let takenThere = taken.indices.filter { split.takenThere[$0] }.map { taken[$0] }
        let takenHere = taken.indices.filter { !split.takenThere[$0] }.map { taken[$0] }
        // Without a second connection (the server is away right now), the batch goes whole on
        // the first, which waits for the server as always.
        guard let second = secondConnection() else { return nil }
        let (a, b) = try second.both(here: {
            try db.ledger {
                try $0.applyBatch(taken: takenHere, results: here.map { inputs[$0] }) { check(here[$0], $1) }
            }
        }, there: { db2 in
            try db2.ledger {
                try $0.applyBatch(taken: takenThere, results: there.map { inputs[$0] }) { check(there[$0], $1) }
            }
        })
        var outcomes = [ResultOutcome](repeating: .unknown, count: inputs.count)
        for (j, i) in here.enumerated() { outcomes[i] = a[j] }
        for (j, i) in there.enumerated() { outcomes[i] = b[j] }
        return outcomes
    }

    /// Records a refused message and, when it was a result for a chunk's current attempt,
    /// counts that attempt as failed (so the chunk is retried, or failed for good).
    func reject(_ db: ReconnectingPGConnection, queue: String, _ d: RunDelivery, _ result: ResultMessage?, _ reason: String) throws {
        logger.error("result rejected", metadata: [LogKey.reason: "\(reason)", LogKey.messageId: "\(d.messageId ?? "-")"])
        metrics.rejected.increment()
        do {
            try db.ledger { try $0.recordRejected(queue: queue, messageId: d.messageId, runId: result?.runId,
                                                     chunkNo: result?.chunkNo, attempt: result?.attempt,
                                                     worker: result?.worker, reason: reason)
            }
            guard let result else { return }
            let failedForGood = try attemptFailed(db, runId: result.runId, chunkNo: result.chunkNo, attempt: result.attempt,
                                                  reason: "result rejected: \(reason)")
            if let failedForGood, result.runId == runId {
                say("chunk \(result.chunkNo) attempt \(result.attempt): result rejected (\(reason))"
                    + (failedForGood ? "; out of attempts, its symbols are failed" : "; will retry after backoff"))
            }
        } catch let e as PGError where !e.isConnectionLoss {
            logger.error("could not record a rejected result; dropping it", metadata: [LogKey.error: "\(e)"])
        }
    }

    /// A message on the dead-letter queue: a chunk the broker or a worker gave up on.
    func handleDeadLetter(_ d: RunDelivery, _ db: ReconnectingPGConnection) throws {
        guard let chunk = try? ChunkMessage.decode(d.body) else {
            let reason = "dead letter that is not a chunk (\(d.deathReason))"
            logger.error("\(reason); recorded and dropped", metadata: [LogKey.messageId: "\(d.messageId ?? "-")"])
            try? db.ledger { try $0.recordRejected(queue: options.topology.deadLetterQueue, messageId: d.messageId,
                                                     runId: nil, chunkNo: nil, attempt: nil, worker: nil, reason: reason)
            }
            return
        }
        metrics.deadLetters.increment()
        let reason = "dead-lettered: \(d.deathReason)"
        let failedForGood = try attemptFailed(db, runId: chunk.runId, chunkNo: chunk.chunkNo, attempt: chunk.attempt, reason: reason)
        if let failedForGood, chunk.runId == runId {
            say("chunk \(chunk.chunkNo) attempt \(chunk.attempt) \(reason)"
                + (failedForGood ? "; out of attempts, its symbols are failed" : "; will retry after backoff"))
        }
    }
}
