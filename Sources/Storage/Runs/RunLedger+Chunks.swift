import ClosebellCore
import Foundation

extension RunLedger {
    /// Chunks ready to publish now: pending and past their retry time.
    public func dueChunks(_ runId: Int64, limit: Int = 100_000) throws -> [ChunkRecord] {
        try db.query("""
            SELECT \(ChunkRecord.columns) FROM chunks
            WHERE run_id = $1 AND status = 'pending' AND (retry_at IS NULL OR retry_at <= now()) ORDER BY chunk_no LIMIT $2
            """, [Int(runId), limit]).decode(ChunkRecord.init(row:))
    }

    /// Records that chunks were published (after the broker confirmed them).
    public func markPublished(_ runId: Int64, chunkNos: [Int]) throws {
        guard !chunkNos.isEmpty else { return }
        try db.query("""
            UPDATE chunks SET status = 'published', attempts = attempts + 1, published_at = now(), retry_at = NULL, taken_at = NULL
            WHERE run_id = $1 AND chunk_no = ANY($2::int[]) AND status = 'pending'
            """, [Int(runId), PGArray.int(chunkNos)])
    }

    /// A worker took the chunk's current attempt: its timeout clock starts now.
    /// Reports for another attempt, or a chunk no longer published, change nothing.
    @discardableResult
    public func markTaken(runId: Int64, chunkNo: Int, attempt: Int, worker: String) throws -> Bool {
        try db.query("""
            UPDATE chunks SET taken_at = now(), worker = $4
            WHERE run_id = $1 AND chunk_no = $2 AND attempts = $3 AND status = 'published'
            """, [Int(runId), chunkNo, attempt, worker]).affected == 1
    }

    /// Chunks a worker took whose result is overdue. A chunk still waiting in the queue (not
    /// taken) never times out, however deep the backlog.
    public func overdueChunks(_ runId: Int64, timeout: Duration) throws -> [(chunkNo: Int, attempt: Int)] {
        try db.query("""
            SELECT chunk_no, attempts FROM chunks
            WHERE run_id = $1 AND status = 'published' AND taken_at < now() - make_interval(secs => $2)
            """, [Int(runId), timeout.seconds]).decode { (try $0.int(0), try $0.int(1)) }
    }

    /// A chunk's attempt failed (timed out, dead-lettered, or its result was rejected). With
    /// attempts left it goes back to `pending` with a retry time (backoff); otherwise it fails
    /// and every symbol in it is recorded as failed with the reason. Returns true when the chunk
    /// failed for good, nil when the report was stale (not the current attempt) and ignored.
    @discardableResult
    public func chunkAttemptFailed(runId: Int64, chunkNo: Int, attempt: Int?, reason: String) throws -> Bool? {
        try db.transaction {
            guard let row = try db.query("""
                SELECT c.status, c.attempts, c.symbols::text, r.as_of_date,
                       coalesce((r.config->>'max_attempts')::int, 3), coalesce((r.config->>'backoff_seconds')::float8, 1),
                       r.market, r.first_date
                FROM chunks c JOIN runs r USING (run_id)
                WHERE c.run_id = $1 AND c.chunk_no = $2 FOR UPDATE OF c
                """, [Int(runId), chunkNo]).typed.first else { return nil }
            let attempts = try row.int(1)
            let maxAttempts = try row.int(4)
            let backoffSeconds = min(60, try row.double(5) * pow(2, Double(max(0, attempts - 1))))
            guard try row.decode(0, ChunkStatus.init(rawValue:)) == .published, attempt == nil || attempt == attempts else {
                return nil
            }
            if attempts < maxAttempts {
                try db.query("""
                    UPDATE chunks SET status = 'pending', last_error = $3, retry_at = now() + make_interval(secs => $4)
                    WHERE run_id = $1 AND chunk_no = $2
                    """, [Int(runId), chunkNo, reason, backoffSeconds])
                try db.query("UPDATE runs SET retried = retried + 1 WHERE run_id = $1", [Int(runId)])
                return false
            }
            let symbols = PGArray.parseText(try row.string(2))
            let why = "chunk failed after \(attempts) attempt(s): \(reason)"
            let asOf = try row.day(3)
            // Every entry of the chunk fails: each symbol on the day, or on each of its days in a backfill's range.
            let days = try row.optionalDay(7).map { try tradingDays(symbols, market: try row.string(6), from: $0, through: asOf) }
            let rows = symbols.flatMap { sym in
                (days?[sym] ?? [asOf]).map { FailureRow(symbol: sym, day: $0, stage: "chunk", error: why) }
            }
            try recordFailures(runId: runId, chunkNo: chunkNo, attempts: attempts, rows)
            try db.query("""
                UPDATE chunks SET status = 'failed', last_error = $3, completed_at = now(), succeeded = 0, failed = $4, skipped = 0
                WHERE run_id = $1 AND chunk_no = $2
                """, [Int(runId), chunkNo, reason, rows.count])
            try refreshCounts(runId)
            return true
        }
    }

    /// Recomputes processed / succeeded / failed / progress from the chunks.
    public func refreshCounts(_ runId: Int64) throws {
        // The run's row first, as its own statement: a transaction applying other chunks of the
        // run on another connection has then committed, and the recount below (a new snapshot)
        // sees its chunks. NO KEY UPDATE, as the UPDATE itself takes: it does not wait for the
        // KEY SHARE locks that rows referencing the run (failures, skips) hold.
        try db.query("SELECT 1 FROM runs WHERE run_id = $1 FOR NO KEY UPDATE", [Int(runId)])
        try db.query("""
            UPDATE runs r SET processed = c.p, succeeded = c.s, failed = c.f, skipped = c.k,
              progress = CASE WHEN r.total_symbols = 0 THEN 100 ELSE round((100.0 * c.p / r.total_symbols)::numeric, 2) END,
              message = format('%s of %s symbols processed (%s chunks done, %s failed, %s open)',
                               c.p, r.total_symbols, c.done, c.bad, c.open)
            FROM (SELECT coalesce(sum(succeeded + failed + skipped), 0) AS p, coalesce(sum(succeeded), 0) AS s,
                         coalesce(sum(failed), 0) AS f, coalesce(sum(skipped), 0) AS k,
                         count(*) FILTER (WHERE status = 'done') AS done, count(*) FILTER (WHERE status = 'failed') AS bad,
                         count(*) FILTER (WHERE status IN ('pending', 'published')) AS open
                  FROM chunks WHERE run_id = $1) c
            WHERE r.run_id = $1
            """, [Int(runId)])
    }

    /// How many of a run's chunks are in each state.
    public func chunkStates(_ runId: Int64) throws -> [ChunkStatus: Int] {
        let rows = try db.query("SELECT status, count(*) FROM chunks WHERE run_id = $1 GROUP BY status", [Int(runId)])
            .decode { (try $0.decode(0, ChunkStatus.init(rawValue:)), try $0.int(1)) }
        return Dictionary(rows, uniquingKeysWith: +)
    }

    /// Chunks not yet finished (pending or published).
    public func openChunkCount(_ runId: Int64) throws -> Int {
        try db.query("SELECT count(*) FROM chunks WHERE run_id = $1 AND status IN ('pending','published')", [Int(runId)])
            .typed[0].int(0)
    }
}
