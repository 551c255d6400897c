import ClosebellCore

/// One prediction of a result, as the ledger writes it.
public struct PredictionRow: Sendable, Equatable {
    public var symbol: String
    public var target: Day
    public var value: Double
    public var kind: String
    public var path: String?
    public var hash: String?
    public var fallback: Bool

    public init(symbol: String, target: Day, value: Double, kind: String, path: String?, hash: String?, fallback: Bool) {
        self.symbol = symbol
        self.target = target
        self.value = value
        self.kind = kind
        self.path = path
        self.hash = hash
        self.fallback = fallback
    }
}

/// One failed symbol of a result: the stage and the reason.
public struct FailureRow: Sendable, Equatable {
    public var symbol: String
    public var stage: String
    public var error: String

    public init(symbol: String, stage: String, error: String) {
        self.symbol = symbol
        self.stage = stage
        self.error = error
    }
}

/// One skipped symbol of a result (too little history), with the reason.
public struct SkipRow: Sendable, Equatable {
    public var symbol: String
    public var reason: String

    public init(symbol: String, reason: String) {
        self.symbol = symbol
        self.reason = reason
    }
}

/// What the ledger knows of a chunk when a result for it arrives: what the result is checked against.
public struct ChunkContext: Sendable {
    public let runId: Int64
    public let chunkNo: Int
    public let market: String
    public let asOf: Day
    public let symbols: [String]
    public let attempts: Int
    /// The run's request, as stored (JSON).
    public let config: String

    public init(runId: Int64, chunkNo: Int, market: String, asOf: Day, symbols: [String], attempts: Int, config: String) {
        self.runId = runId
        self.chunkNo = chunkNo
        self.market = market
        self.asOf = asOf
        self.symbols = symbols
        self.attempts = attempts
        self.config = config
    }
}

/// What applying a result did.
public enum ResultOutcome: Sendable, Equatable {
    /// Predictions and failures written, chunk done, run counts updated.
    case applied(succeeded: Int, failed: Int, skipped: Int)
    /// The chunk was already finished (a duplicate or late result): nothing written.
    case duplicate
    /// The run or chunk does not exist in this database.
    case unknown
    /// The result does not fit its chunk (the reason says how): nothing written.
    case rejected(String)
}

extension RunLedger {
    /// Applies a worker's result in one transaction: upserts predictions, records failed
    /// symbols, marks the chunk done and recomputes the run's counts. A result for a chunk that
    /// is already finished changes nothing; one that `check` refuses (given the chunk as the
    /// ledger knows it) changes nothing and is returned as `.rejected`.
    public func apply(runId: Int64, chunkNo: Int, worker: String, computeMillis: Double,
                      predictions: [PredictionRow], failures: [FailureRow], skips: [SkipRow] = [],
                      check: (ChunkContext) -> String?) throws -> ResultOutcome {
        try db.transaction {
            guard let row = try db.query("""
                SELECT c.status, r.market, r.as_of_date, c.symbols::text, c.attempts, r.config::text
                FROM chunks c JOIN runs r USING (run_id)
                WHERE c.run_id = $1 AND c.chunk_no = $2 FOR UPDATE OF c
                """, [Int(runId), chunkNo]).typed.first else { return .unknown }
            guard try row.decode(0, ChunkStatus.init(rawValue:)).isOpen else { return .duplicate }
            let context = ChunkContext(runId: runId, chunkNo: chunkNo, market: try row.string(1), asOf: try row.day(2),
                                       symbols: PGArray.parseText(try row.string(3)), attempts: try row.int(4),
                                       config: try row.string(5))
            if let reason = check(context) { return .rejected(reason) }
            if !predictions.isEmpty {
                try db.query("""
                    INSERT INTO predictions (market, symbol, as_of_date, target_date, predicted_return, model_kind, model_path,
                                             model_hash, is_fallback, run_id, chunk_no, predicted_at)
                    SELECT $11, s, $1::date, t, v, k, p, h, f, $2, $3, now()
                    FROM unnest($4::text[], $5::date[], $6::float8[], $7::text[], $8::text[], $9::text[], $10::bool[])
                      AS u(s, t, v, k, p, h, f)
                    ON CONFLICT (market, symbol, as_of_date) DO UPDATE SET target_date = EXCLUDED.target_date,
                      predicted_return = EXCLUDED.predicted_return, model_kind = EXCLUDED.model_kind,
                      model_path = EXCLUDED.model_path, model_hash = EXCLUDED.model_hash, is_fallback = EXCLUDED.is_fallback,
                      run_id = EXCLUDED.run_id, chunk_no = EXCLUDED.chunk_no, predicted_at = EXCLUDED.predicted_at
                    """, [context.asOf.description, Int(runId), chunkNo,
                          PGArray.text(predictions.map(\.symbol)), PGArray.text(predictions.map { $0.target.description }),
                          PGArray.double(predictions.map(\.value)), PGArray.text(predictions.map(\.kind)),
                          PGArray.text(predictions.map(\.path)), PGArray.text(predictions.map(\.hash)),
                          PGArray.bool(predictions.map(\.fallback)), context.market])
            }
            if !failures.isEmpty {
                try recordFailures(runId: runId, chunkNo: chunkNo, asOf: context.asOf, attempts: context.attempts, failures)
            }
            if !skips.isEmpty {
                try db.query("""
                    INSERT INTO symbol_skips (run_id, symbol, as_of_date, chunk_no, reason)
                    SELECT $1, s, $2::date, $3, r FROM unnest($4::text[], $5::text[]) AS u(s, r)
                    ON CONFLICT (run_id, symbol, as_of_date) DO UPDATE SET reason = EXCLUDED.reason, chunk_no = EXCLUDED.chunk_no
                    """, [Int(runId), context.asOf.description, chunkNo, PGArray.text(skips.map(\.symbol)),
                          PGArray.text(skips.map(\.reason))])
            }
            try db.query("""
                UPDATE chunks SET status = 'done', worker = $3, completed_at = now(), compute_ms = $4, succeeded = $5, failed = $6,
                  skipped = $7
                WHERE run_id = $1 AND chunk_no = $2
                """, [Int(runId), chunkNo, worker, computeMillis, predictions.count, failures.count, skips.count])
            try refreshCounts(runId)
            return .applied(succeeded: predictions.count, failed: failures.count, skipped: skips.count)
        }
    }

    func recordFailures(runId: Int64, chunkNo: Int, asOf: Day, attempts: Int, _ failures: [FailureRow]) throws {
        try db.query("""
            INSERT INTO symbol_failures (run_id, symbol, as_of_date, chunk_no, stage, error, attempts)
            SELECT $1, s, $2::date, $3, st, e, $4 FROM unnest($5::text[], $6::text[], $7::text[]) AS u(s, st, e)
            ON CONFLICT (run_id, symbol, as_of_date) DO UPDATE SET stage = EXCLUDED.stage, error = EXCLUDED.error,
              attempts = EXCLUDED.attempts, chunk_no = EXCLUDED.chunk_no, failed_at = now()
            """, [Int(runId), asOf.description, chunkNo, attempts, PGArray.text(failures.map(\.symbol)),
                  PGArray.text(failures.map(\.stage)), PGArray.text(failures.map(\.error))])
    }

    /// Records a message the coordinator refused, with the reason (kept for operators; the
    /// message itself is acknowledged so it never blocks the queue).
    public func recordRejected(queue: String, messageId: String?, runId: Int64?, chunkNo: Int?, attempt: Int?,
                               worker: String?, reason: String) throws {
        try db.query("""
            INSERT INTO rejected_messages (queue, message_id, run_id, chunk_no, attempt, worker, reason)
            VALUES ($1, $2, $3, $4, $5, $6, $7)
            """, [queue, messageId.map { RawText.display($0, limit: 200) }, runId.map(Int.init), chunkNo, attempt,
                  worker.map { RawText.display($0, limit: 200) }, RawText.display(reason, limit: 2000)])
    }
}
