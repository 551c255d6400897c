import ClosebellCore
import Foundation

/// A run's row in the ledger.
public struct RunRecord: Sendable, Equatable {
    public let id: Int64
    public let asOf: Day
    public let status: String
    public let progress: Double
    public let message: String?
    public let total: Int
    public let processed: Int
    public let succeeded: Int
    public let failed: Int
    public let startedAt: String?
    public let finishedAt: String?
    public let error: String?
    public let config: String
    public let parentRunId: Int64?

    public var isFinished: Bool { ["completed", "completed_with_failures", "failed", "cancelled"].contains(status) }
}

/// A chunk's row in the ledger.
public struct ChunkRecord: Sendable, Equatable {
    public let runId: Int64
    public let chunkNo: Int
    public let symbols: [String]
    public let status: String
    public let attempts: Int
    public let worker: String?
    public let lastError: String?
}

/// What applying a result did.
public enum ResultOutcome: Sendable, Equatable {
    /// Predictions and failures written, chunk done, run counts updated.
    case applied(succeeded: Int, failed: Int)
    /// The chunk was already finished (a duplicate or late result): nothing written.
    case duplicate
    /// The run or chunk does not exist in this database.
    case unknown
}

/// The run ledger: runs, chunks, predictions and failed symbols, with exact accounting.
///
/// Every count on a run is recomputed from its chunks inside the same transaction that
/// changes a chunk, never incremented blindly, so a duplicate or replayed result cannot
/// count twice.
public struct RunLedger {
    public let db: PGConnection

    public init(db: PGConnection) { self.db = db }

    static let runColumns = """
        run_id, as_of_date, status, progress, message, total_symbols, processed, succeeded, failed,
        started_at, finished_at, error, config::text, parent_run_id
        """

    static func run(_ r: [String?]) -> RunRecord {
        RunRecord(id: Int64(r[0]!)!, asOf: Day(iso: r[1]!)!, status: r[2]!, progress: Double(r[3]!)!, message: r[4],
                  total: Int(r[5]!)!, processed: Int(r[6]!)!, succeeded: Int(r[7]!)!, failed: Int(r[8]!)!,
                  startedAt: r[9], finishedAt: r[10], error: r[11], config: r[12] ?? "{}", parentRunId: r[13].flatMap { Int64($0) })
    }

    /// Creates a run and its chunks (status `running`, chunks `pending`).
    public func createRun(asOf: Day, chunks: [[String]], config: String, parent: Int64?, coordinator: String) throws -> Int64 {
        try db.transaction {
            let id = Int64(try db.query("""
                INSERT INTO runs (as_of_date, status, total_symbols, started_at, config, parent_run_id, coordinator, message)
                VALUES ($1, 'running', $2, now(), $3::jsonb, $4, $5, 'planned')
                RETURNING run_id
                """, [asOf.description, chunks.reduce(0) { $0 + $1.count }, config, parent.map(Int.init), coordinator]).scalar!)!
            if !chunks.isEmpty {
                try db.query("""
                    INSERT INTO chunks (run_id, chunk_no, symbols, status)
                    SELECT $1, n - 1, string_to_array(s, ' '), 'pending' FROM unnest($2::text[]) WITH ORDINALITY AS u(s, n)
                    """, [Int(id), PGArray.text(chunks.map { $0.joined(separator: " ") })])
            }
            try refreshCounts(id)
            return id
        }
    }

    /// The unfinished run for a date, if any (to resume after a coordinator died).
    public func activeRun(asOf: Day) throws -> RunRecord? {
        try db.query("SELECT \(Self.runColumns) FROM runs WHERE as_of_date = $1 AND status IN ('queued','running') ORDER BY run_id DESC LIMIT 1",
                     [asOf.description]).rows.first.map(Self.run)
    }

    public func run(_ id: Int64) throws -> RunRecord? {
        try db.query("SELECT \(Self.runColumns) FROM runs WHERE run_id = $1", [Int(id)]).rows.first.map(Self.run)
    }

    public func recentRuns(limit: Int = 20) throws -> [RunRecord] {
        try db.query("SELECT \(Self.runColumns) FROM runs ORDER BY run_id DESC LIMIT $1", [limit]).rows.map(Self.run)
    }

    public func chunks(_ runId: Int64) throws -> [ChunkRecord] {
        try db.query("SELECT run_id, chunk_no, symbols::text, status, attempts, worker, last_error FROM chunks WHERE run_id = $1 ORDER BY chunk_no",
                     [Int(runId)]).rows.map {
            ChunkRecord(runId: Int64($0[0]!)!, chunkNo: Int($0[1]!)!, symbols: PGArray.parseText($0[2]!), status: $0[3]!,
                        attempts: Int($0[4]!)!, worker: $0[5], lastError: $0[6])
        }
    }

    /// Chunks ready to publish now: pending and past their retry time.
    public func dueChunks(_ runId: Int64, limit: Int = 100_000) throws -> [ChunkRecord] {
        try db.query("""
            SELECT run_id, chunk_no, symbols::text, status, attempts, worker, last_error FROM chunks
            WHERE run_id = $1 AND status = 'pending' AND (retry_at IS NULL OR retry_at <= now()) ORDER BY chunk_no LIMIT $2
            """, [Int(runId), limit]).rows.map {
            ChunkRecord(runId: Int64($0[0]!)!, chunkNo: Int($0[1]!)!, symbols: PGArray.parseText($0[2]!), status: $0[3]!,
                        attempts: Int($0[4]!)!, worker: $0[5], lastError: $0[6])
        }
    }

    /// Records that chunks were published (after the broker confirmed them).
    public func markPublished(_ runId: Int64, chunkNos: [Int]) throws {
        guard !chunkNos.isEmpty else { return }
        try db.query("""
            UPDATE chunks SET status = 'published', attempts = attempts + 1, published_at = now(), retry_at = NULL
            WHERE run_id = $1 AND chunk_no = ANY($2::int[]) AND status = 'pending'
            """, [Int(runId), PGArray.int(chunkNos)])
    }

    /// Applies a worker's result in one transaction: upserts predictions, records failed
    /// symbols, marks the chunk done and recomputes the run's counts. A result for a chunk that
    /// is already finished changes nothing.
    public func apply(runId: Int64, chunkNo: Int, asOf: Day, worker: String, computeMillis: Double,
                      predictions: [(symbol: String, target: Day, value: Double, kind: String, path: String?, hash: String?, fallback: Bool)],
                      failures: [(symbol: String, stage: String, error: String)]) throws -> ResultOutcome {
        try db.transaction {
            let row = try db.query("""
                SELECT c.status, r.as_of_date, c.attempts FROM chunks c JOIN runs r USING (run_id)
                WHERE c.run_id = $1 AND c.chunk_no = $2 FOR UPDATE OF c
                """, [Int(runId), chunkNo]).rows.first
            guard let row else { return .unknown }
            guard row[0] == "published" || row[0] == "pending" else { return .duplicate }
            guard row[1] == asOf.description else { return .unknown }
            if !predictions.isEmpty {
                try db.query("""
                    INSERT INTO predictions (symbol, as_of_date, target_date, predicted_return, model_kind, model_path, model_hash,
                                             is_fallback, run_id, chunk_no, predicted_at)
                    SELECT s, $1::date, t, v, k, p, h, f, $2, $3, now()
                    FROM unnest($4::text[], $5::date[], $6::float8[], $7::text[], $8::text[], $9::text[], $10::bool[]) AS u(s, t, v, k, p, h, f)
                    ON CONFLICT (symbol, as_of_date) DO UPDATE SET target_date = EXCLUDED.target_date,
                      predicted_return = EXCLUDED.predicted_return, model_kind = EXCLUDED.model_kind, model_path = EXCLUDED.model_path,
                      model_hash = EXCLUDED.model_hash, is_fallback = EXCLUDED.is_fallback, run_id = EXCLUDED.run_id,
                      chunk_no = EXCLUDED.chunk_no, predicted_at = EXCLUDED.predicted_at
                    """, [asOf.description, Int(runId), chunkNo,
                          PGArray.text(predictions.map(\.symbol)), PGArray.text(predictions.map { $0.target.description }),
                          PGArray.double(predictions.map(\.value)), PGArray.text(predictions.map(\.kind)),
                          PGArray.text(predictions.map(\.path)), PGArray.text(predictions.map(\.hash)), PGArray.bool(predictions.map(\.fallback))])
            }
            if !failures.isEmpty {
                try recordFailures(runId: runId, chunkNo: chunkNo, asOf: asOf, attempts: Int(row[2]!) ?? 1, failures)
            }
            try db.query("""
                UPDATE chunks SET status = 'done', worker = $3, completed_at = now(), compute_ms = $4, succeeded = $5, failed = $6
                WHERE run_id = $1 AND chunk_no = $2
                """, [Int(runId), chunkNo, worker, computeMillis, predictions.count, failures.count])
            try refreshCounts(runId)
            return .applied(succeeded: predictions.count, failed: failures.count)
        }
    }

    func recordFailures(runId: Int64, chunkNo: Int, asOf: Day, attempts: Int, _ failures: [(symbol: String, stage: String, error: String)]) throws {
        try db.query("""
            INSERT INTO symbol_failures (run_id, symbol, as_of_date, chunk_no, stage, error, attempts)
            SELECT $1, s, $2::date, $3, st, e, $4 FROM unnest($5::text[], $6::text[], $7::text[]) AS u(s, st, e)
            ON CONFLICT (run_id, symbol, as_of_date) DO UPDATE SET stage = EXCLUDED.stage, error = EXCLUDED.error,
              attempts = EXCLUDED.attempts, chunk_no = EXCLUDED.chunk_no, failed_at = now()
            """, [Int(runId), asOf.description, chunkNo, attempts, PGArray.text(failures.map(\.symbol)),
                  PGArray.text(failures.map(\.stage)), PGArray.text(failures.map(\.error))])
    }

    /// A chunk's attempt failed (timed out or dead-lettered). With attempts left it goes back
    /// to `pending` with a retry time (backoff); otherwise it fails and every symbol in it is
    /// recorded as failed with the reason. Returns true when the chunk failed for good.
    /// Only the current attempt counts: a stale report (`attempt` below the chunk's) is ignored.
    @discardableResult
    public func chunkAttemptFailed(runId: Int64, chunkNo: Int, attempt: Int?, reason: String) throws -> Bool? {
        try db.transaction {
            guard let row = try db.query("""
                SELECT c.status, c.attempts, c.symbols::text, r.as_of_date,
                       coalesce((r.config->>'max_attempts')::int, 3), coalesce((r.config->>'backoff_seconds')::float8, 1)
                FROM chunks c JOIN runs r USING (run_id)
                WHERE c.run_id = $1 AND c.chunk_no = $2 FOR UPDATE OF c
                """, [Int(runId), chunkNo]).rows.first else { return nil }
            let attempts = Int(row[1]!)!
            let maxAttempts = Int(row[4]!)!
            let backoffSeconds = min(60, Double(row[5]!)! * pow(2, Double(max(0, attempts - 1))))
            guard row[0] == "published", attempt == nil || attempt == attempts else { return nil }
            if attempts < maxAttempts {
                try db.query("""
                    UPDATE chunks SET status = 'pending', last_error = $3, retry_at = now() + make_interval(secs => $4)
                    WHERE run_id = $1 AND chunk_no = $2
                    """, [Int(runId), chunkNo, reason, backoffSeconds])
                try db.query("UPDATE runs SET retried = retried + 1 WHERE run_id = $1", [Int(runId)])
                return false
            }
            let symbols = PGArray.parseText(row[2]!)
            let why = "chunk failed after \(attempts) attempt(s): \(reason)"
            try recordFailures(runId: runId, chunkNo: chunkNo, asOf: Day(iso: row[3]!)!, attempts: attempts,
                               symbols.map { ($0, "chunk", why) })
            try db.query("""
                UPDATE chunks SET status = 'failed', last_error = $3, completed_at = now(), succeeded = 0, failed = cardinality(symbols)
                WHERE run_id = $1 AND chunk_no = $2
                """, [Int(runId), chunkNo, reason])
            try refreshCounts(runId)
            return true
        }
    }

    /// Published chunks whose result is overdue.
    public func overdueChunks(_ runId: Int64, timeoutSeconds: Double) throws -> [(chunkNo: Int, attempt: Int)] {
        try db.query("""
            SELECT chunk_no, attempts FROM chunks
            WHERE run_id = $1 AND status = 'published' AND published_at < now() - make_interval(secs => $2)
            """, [Int(runId), timeoutSeconds]).rows.map { (Int($0[0]!)!, Int($0[1]!)!) }
    }

    /// Recomputes processed / succeeded / failed / progress from the chunks.
    public func refreshCounts(_ runId: Int64) throws {
        try db.query("""
            UPDATE runs r SET processed = c.p, succeeded = c.s, failed = c.f,
              progress = CASE WHEN r.total_symbols = 0 THEN 100 ELSE round((100.0 * c.p / r.total_symbols)::numeric, 2) END,
              message = format('%s of %s symbols processed (%s chunks done, %s failed, %s open)', c.p, r.total_symbols, c.done, c.bad, c.open)
            FROM (SELECT coalesce(sum(succeeded + failed), 0) AS p, coalesce(sum(succeeded), 0) AS s, coalesce(sum(failed), 0) AS f,
                         count(*) FILTER (WHERE status = 'done') AS done, count(*) FILTER (WHERE status = 'failed') AS bad,
                         count(*) FILTER (WHERE status IN ('pending', 'published')) AS open
                  FROM chunks WHERE run_id = $1) c
            WHERE r.run_id = $1
            """, [Int(runId)])
    }

    /// Chunks not yet finished (pending or published).
    public func openChunkCount(_ runId: Int64) throws -> Int {
        Int(try db.query("SELECT count(*) FROM chunks WHERE run_id = $1 AND status IN ('pending','published')", [Int(runId)]).scalar!)!
    }

    /// Closes a run with its final status (from its counts) unless it is already finished.
    @discardableResult
    public func finish(_ runId: Int64, error: String? = nil) throws -> RunRecord {
        try db.transaction {
            try refreshCounts(runId)
            try db.query("""
                UPDATE runs SET finished_at = now(), error = coalesce($2, error),
                  status = CASE WHEN $2::text IS NOT NULL THEN 'failed'
                                WHEN failed = 0 THEN 'completed'
                                WHEN succeeded = 0 AND total_symbols > 0 THEN 'failed'
                                ELSE 'completed_with_failures' END
                WHERE run_id = $1 AND status IN ('queued', 'running')
                """, [Int(runId), error])
            return try run(runId)!
        }
    }

    /// Cancels an unfinished run: open chunks become `cancelled`. Returns false if it had finished.
    public func cancel(_ runId: Int64) throws -> Bool {
        try db.transaction {
            let n = try db.query("""
                UPDATE runs SET status = 'cancelled', finished_at = now(), message = 'cancelled by operator'
                WHERE run_id = $1 AND status IN ('queued', 'running')
                """, [Int(runId)]).affected
            guard n == 1 else { return false }
            try db.query("UPDATE chunks SET status = 'cancelled' WHERE run_id = $1 AND status IN ('pending', 'published')", [Int(runId)])
            return true
        }
    }

    /// Symbols that failed in a run (for `retry`).
    public func failedSymbols(_ runId: Int64) throws -> [String] {
        try db.query("SELECT symbol FROM symbol_failures WHERE run_id = $1 ORDER BY symbol", [Int(runId)]).rows.map { $0[0]! }
    }

    public func setStatus(_ runId: Int64, message: String) throws {
        try db.query("UPDATE runs SET message = $2 WHERE run_id = $1", [Int(runId), message])
    }
}
