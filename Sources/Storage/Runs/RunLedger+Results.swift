import ClosebellCore

/// What the ledger knows of a chunk when a result for it arrives: what the result is checked against.
public struct ChunkContext: Sendable {
    public let runId: Int64
    public let chunkNo: Int
    public let market: String
    public let asOf: Day
    /// A backfill's first day (nil: a daily run of `asOf`).
    public let firstDay: Day?
    public let symbols: [String]
    /// The (symbol, day) entries a result must account for, each exactly once: every symbol on
    /// `asOf` for a daily run; each symbol on each of its trading days in the range for a backfill.
    public let expected: [String: [Day]]
    public let attempts: Int
    /// The run's request, as stored (JSON).
    public let config: String

    public init(runId: Int64, chunkNo: Int, market: String, asOf: Day, firstDay: Day? = nil, symbols: [String],
                expected: [String: [Day]]? = nil, attempts: Int, config: String) {
        self.runId = runId
        self.chunkNo = chunkNo
        self.market = market
        self.asOf = asOf
        self.firstDay = firstDay
        self.symbols = symbols
        self.expected = expected ?? Dictionary(symbols.map { ($0, [asOf]) }, uniquingKeysWith: { a, _ in a })
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
            let outcome = try applyInTransaction(ResultInput(runId: runId, chunkNo: chunkNo, worker: worker,
                                                             computeMillis: computeMillis, predictions: predictions,
                                                             failures: failures, skips: skips), check: check)
            if case .applied = outcome { try refreshCounts(runId) }
            return outcome
        }
    }

    /// ``apply`` inside the transaction already open on `db`, without recounting the run.
    func applyInTransaction(_ r: ResultInput, check: (ChunkContext) -> String?) throws -> ResultOutcome {
        let (runId, chunkNo) = (r.runId, r.chunkNo)
        guard let row = try db.query("""
            SELECT c.status, r.market, r.as_of_date, c.symbols::text, c.attempts, r.config::text, r.first_date
            FROM chunks c JOIN runs r USING (run_id)
            WHERE c.run_id = $1 AND c.chunk_no = $2 FOR UPDATE OF c
            """, [Int(runId), chunkNo]).typed.first else { return .unknown }
        guard try row.decode(0, ChunkStatus.init(rawValue:)).isOpen else { return .duplicate }
        let market = try row.string(1), asOf = try row.day(2), first = try row.optionalDay(6)
        let symbols = PGArray.parseText(try row.string(3))
        let context = ChunkContext(
            runId: runId, chunkNo: chunkNo, market: market, asOf: asOf, firstDay: first, symbols: symbols,
            expected: try first.map { try tradingDays(symbols, market: market, from: $0, through: asOf) },
            attempts: try row.int(4), config: try row.string(5))
        if let reason = check(context) { return .rejected(reason) }
        try writePredictions(r.predictions, market: market, runId: runId, chunkNo: chunkNo)
        if !r.failures.isEmpty {
            try recordFailures(runId: runId, chunkNo: chunkNo, attempts: context.attempts, r.failures)
        }
        if !r.skips.isEmpty {
            try db.query("""
                INSERT INTO symbol_skips (run_id, symbol, as_of_date, chunk_no, reason)
                SELECT $1, s, d, $2, r FROM unnest($3::text[], $4::date[], $5::text[]) AS u(s, d, r)
                ON CONFLICT (run_id, symbol, as_of_date) DO UPDATE SET reason = EXCLUDED.reason, chunk_no = EXCLUDED.chunk_no
                """, [Int(runId), chunkNo, PGArray.text(r.skips.map(\.symbol)), PGArray.text(r.skips.map(\.day.description)),
                      PGArray.text(r.skips.map(\.reason))])
        }
        try db.query("""
            UPDATE chunks SET status = 'done', worker = $3, completed_at = now(), compute_ms = $4, succeeded = $5, failed = $6,
              skipped = $7
            WHERE run_id = $1 AND chunk_no = $2
            """, [Int(runId), chunkNo, r.worker, r.computeMillis, r.predictions.count, r.failures.count, r.skips.count])
        return .applied(succeeded: r.predictions.count, failed: r.failures.count, skipped: r.skips.count)
    }

    /// Each symbol's trading days in `market` from `first` through `last` (what a backfill
    /// chunk's result must account for). One key range per symbol, whatever the statistics say:
    /// written as `symbol = ANY(…)`, the planner sometimes scanned the whole date range through
    /// `ohlcv_by_date` instead (300 ms per result instead of 4, halving a backfill's speed).
    public func tradingDays(_ symbols: [String], market: String, from first: Day, through last: Day) throws -> [String: [Day]] {
        try db.withRawResult("""
            SELECT s.symbol, o.trading_date FROM unnest($2::text[]) AS s(symbol)
            CROSS JOIN LATERAL (SELECT trading_date FROM ohlcv
                                WHERE market = $1 AND symbol = s.symbol AND trading_date BETWEEN $3 AND $4
                                ORDER BY trading_date) o
            """, [market, PGArray.text(symbols), first.description, last.description]) { r in
            var out: [String: [Day]] = Dictionary(symbols.map { ($0, []) }, uniquingKeysWith: { a, _ in a })
            var symbol = "", days: [Day] = []
            for i in 0..<r.rowCount {
                if !symbol.utf8.elementsEqual(r.bytes(i, 0)) {
                    if !symbol.isEmpty { out[symbol] = days }
                    symbol = r.string(i, 0)
                    days = []
                }
                guard let d = Day.parseISO(r.bytes(i, 1)) else {
                    throw PGError(sqlState: nil, message: "bad date in ohlcv: \(r.string(i, 1))")
                }
                days.append(d)
            }
            if !symbol.isEmpty { out[symbol] = days }
            return out
        }
    }

    /// Predictions by one binary COPY straight into `predictions`; when some of them exist
    /// already (a re-run, an overlapping run), through a staging table and one upsert, in which the
    /// latest prediction of a (market, symbol, day) wins.
    ///
    /// Mostly none of them has a prediction yet. The COPY then writes each row once; going through
    /// the stage wrote it twice (a daily result of 1,000 rows: about 5 ms of COPY into the stage on
    /// top of the INSERT). A row that exists stops the COPY with a unique violation: it is rolled
    /// back to its savepoint, and the stage and the upsert do the work.
    ///
    /// Several results may be applied in one transaction, so the stage must hold this one's rows
    /// only. The upsert that moves them into `predictions` also deletes them from the stage; a result
    /// refused as a whole is rolled back with its COPY. The stage is therefore empty whenever a
    /// result starts, with no TRUNCATE: on a table older than the transaction, that creates a new
    /// file and rewrites its `pg_class` row each time (0.5 ms of server time per result).
    func writePredictions(_ predictions: [PredictionRow], market: String, runId: Int64, chunkNo: Int) throws {
        guard !predictions.isEmpty else { return }
        try db.execute("SAVEPOINT closebell_insert")
        do {
            try db.copyInBinary("""
                COPY predictions (market, symbol, as_of_date, target_date, predicted_return, model_kind, model_path,
                                  model_hash, is_fallback, run_id, chunk_no)
                FROM STDIN (FORMAT binary)
                """, columns: 11) { w in
                for p in predictions {
                    w.add(market)
                    Self.addPrediction(p, to: &w)
                    w.add(runId); w.add(Int32(chunkNo))
                    try w.endRow()
                }
            }
        } catch let e as PGError where e.sqlState == PGError.uniqueViolation {
            try db.execute("ROLLBACK TO SAVEPOINT closebell_insert")
            try upsertPredictions(predictions, market: market, runId: runId, chunkNo: chunkNo)
        }
        try db.execute("RELEASE SAVEPOINT closebell_insert")
    }

    /// A prediction's own columns, as `predictions` and its stage order them after `market`.
    static func addPrediction(_ p: PredictionRow, to w: inout PGBinaryCopyWriter) {
        w.add(p.symbol); w.add(p.day); w.add(p.target); w.add(p.value); w.add(p.kind)
        if let path = p.path { w.add(path) } else { w.addNull() }
        if let hash = p.hash { w.add(hash) } else { w.addNull() }
        w.add(p.fallback)
    }

    /// The slow path of ``writePredictions(_:market:runId:chunkNo:)``: the rows into the stage, then
    /// one upsert that takes them out of it.
    func upsertPredictions(_ predictions: [PredictionRow], market: String, runId: Int64, chunkNo: Int) throws {
        try db.execute("""
            CREATE TEMP TABLE IF NOT EXISTS predictions_stage (symbol text, as_of_date date, target_date date,
              predicted_return float8, model_kind text, model_path text, model_hash text, is_fallback bool)
              ON COMMIT DELETE ROWS
            """)
        try db.copyInBinary("COPY predictions_stage FROM STDIN (FORMAT binary)", columns: 8) { w in
            for p in predictions {
                Self.addPrediction(p, to: &w)
                try w.endRow()
            }
        }
        try db.query(Self.upsertFromStage, [market, Int(runId), chunkNo])
    }

    /// Moves a result's rows out of the stage into `predictions`, the latest winning ($1 market, $2 run, $3 chunk).
    static let upsertFromStage = """
        WITH staged AS (DELETE FROM predictions_stage RETURNING *)
        INSERT INTO predictions (market, symbol, as_of_date, target_date, predicted_return, model_kind, model_path,
                                 model_hash, is_fallback, run_id, chunk_no, predicted_at)
        SELECT $1, symbol, as_of_date, target_date, predicted_return, model_kind, model_path, model_hash, is_fallback,
               $2, $3, now()
        FROM staged
        ON CONFLICT (market, symbol, as_of_date) DO UPDATE SET target_date = EXCLUDED.target_date,
          predicted_return = EXCLUDED.predicted_return, model_kind = EXCLUDED.model_kind,
          model_path = EXCLUDED.model_path, model_hash = EXCLUDED.model_hash, is_fallback = EXCLUDED.is_fallback,
          run_id = EXCLUDED.run_id, chunk_no = EXCLUDED.chunk_no, predicted_at = EXCLUDED.predicted_at
        """

    func recordFailures(runId: Int64, chunkNo: Int, attempts: Int, _ failures: [FailureRow]) throws {
        try db.query("""
            INSERT INTO symbol_failures (run_id, symbol, as_of_date, chunk_no, stage, error, attempts)
            SELECT $1, s, d, $2, st, e, $3 FROM unnest($4::text[], $5::date[], $6::text[], $7::text[]) AS u(s, d, st, e)
            ON CONFLICT (run_id, symbol, as_of_date) DO UPDATE SET stage = EXCLUDED.stage, error = EXCLUDED.error,
              attempts = EXCLUDED.attempts, chunk_no = EXCLUDED.chunk_no, failed_at = now()
            """, [Int(runId), chunkNo, attempts, PGArray.text(failures.map(\.symbol)), PGArray.text(failures.map(\.day.description)),
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
