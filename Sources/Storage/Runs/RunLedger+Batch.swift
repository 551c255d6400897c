import ClosebellCore

/// One worker result, as the ledger applies it.
public struct ResultInput: Sendable {
    public var runId: Int64
    public var chunkNo: Int
    public var worker: String
    public var computeMillis: Double
    public var predictions: [PredictionRow]
    public var failures: [FailureRow]
    public var skips: [SkipRow]

    public init(runId: Int64, chunkNo: Int, worker: String, computeMillis: Double, predictions: [PredictionRow],
                failures: [FailureRow], skips: [SkipRow]) {
        self.runId = runId
        self.chunkNo = chunkNo
        self.worker = worker
        self.computeMillis = computeMillis
        self.predictions = predictions
        self.failures = failures
        self.skips = skips
    }
}

/// A worker's `started` report: the chunk's timeout clock starts.
public struct TakenInput: Sendable {
    public var runId: Int64
    public var chunkNo: Int
    public var attempt: Int
    public var worker: String

    public init(runId: Int64, chunkNo: Int, attempt: Int, worker: String) {
        self.runId = runId
        self.chunkNo = chunkNo
        self.attempt = attempt
        self.worker = worker
    }
}

extension RunLedger {
    /// Applies results that arrived together in one transaction (one commit, one recount per
    /// run), each inside its own savepoint: a result that PostgreSQL refuses is rolled back alone
    /// and returned as `.rejected` with the server's reason, and never costs the others.
    /// `check(i, chunk)` is the check of result `i` against its chunk (see ``apply``).
    public func applyBatch(taken: [TakenInput], results: [ResultInput],
                           check: (Int, ChunkContext) -> String?) throws -> [ResultOutcome] {
        try db.transaction {
            // Every chunk this batch touches, locked at once in chunk order (as a cancel takes
            // them), before any run's row: two such transactions, or one and a cancel, never
            // wait on each other in a circle.
            let keys = (taken.map { ($0.runId, $0.chunkNo) } + results.map { ($0.runId, $0.chunkNo) })
            try db.query("""
                SELECT 1 FROM chunks c JOIN unnest($1::bigint[], $2::int[]) AS k(run_id, chunk_no) USING (run_id, chunk_no)
                ORDER BY c.run_id, c.chunk_no FOR UPDATE OF c
                """, [PGArray.int(keys.map { Int($0.0) }), PGArray.int(keys.map(\.1))])
            for t in taken { _ = try markTaken(runId: t.runId, chunkNo: t.chunkNo, attempt: t.attempt, worker: t.worker) }
            var outcomes: [ResultOutcome] = []
            for (i, r) in results.enumerated() {
                try db.execute("SAVEPOINT closebell_result")
                do {
                    outcomes.append(try applyInTransaction(r, check: { check(i, $0) }))
                    try db.execute("RELEASE SAVEPOINT closebell_result")
                } catch let e as PGError where !e.isConnectionLoss {
                    try db.execute("ROLLBACK TO SAVEPOINT closebell_result")
                    outcomes.append(.rejected("could not be applied: \(e)"))
                }
            }
            var counted = Set<Int64>()
            for (r, o) in zip(results, outcomes) {
                if case .applied = o, counted.insert(r.runId).inserted { try refreshCounts(r.runId) }
            }
            return outcomes
        }
    }
}
