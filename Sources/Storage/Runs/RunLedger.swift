import ClosebellCore

/// The run ledger: runs, chunks, predictions and failed symbols, with exact accounting.
///
/// Every count on a run is recomputed from its chunks inside the same transaction that
/// changes a chunk, never incremented blindly, so a duplicate or replayed result cannot
/// count twice. Chunk and result bookkeeping live in `RunLedger+Chunks.swift` and
/// `RunLedger+Results.swift`.
public struct RunLedger {
    public let db: PGConnection

    public init(db: PGConnection) { self.db = db }

    /// Creates a run and its chunks (status `running`, chunks `pending`). Each chunk's symbols
    /// are stored as a real array: any character a symbol has survives.
    /// A backfill (`firstDay` set) gives each chunk's entry count in `items`: its symbols' trading
    /// days in the range; the run's total is their sum.
    public func createRun(market: String, asOf: Day, firstDay: Day? = nil, chunks: [[String]], items: [Int]? = nil,
                          config: String, parent: Int64?, coordinator: String) throws -> Int64 {
        try db.transaction {
            let total = items?.reduce(0, +) ?? chunks.reduce(0) { $0 + $1.count }
            let id = try db.query("""
                INSERT INTO runs (market, as_of_date, first_date, status, total_symbols, started_at, config, parent_run_id,
                                  coordinator, message)
                VALUES ($1, $2, $7, 'running', $3, now(), $4::jsonb, $5, $6, 'planned')
                RETURNING run_id
                """, [market, asOf.description, total, config, parent.map(Int.init), coordinator, firstDay?.description])
                .typed[0].int64(0)
            if !chunks.isEmpty {
                let numbers = chunks.enumerated().flatMap { i, c in Array(repeating: i, count: c.count) }
                try db.query("""
                    INSERT INTO chunks (run_id, chunk_no, symbols, status)
                    SELECT $1, n, array_agg(s ORDER BY i), 'pending'
                    FROM unnest($2::int[], $3::text[]) WITH ORDINALITY AS u(n, s, i) GROUP BY n
                    """, [Int(id), PGArray.int(numbers), PGArray.text(chunks.flatMap { $0 })])
                if let items {
                    try db.query("""
                        UPDATE chunks c SET items = u.n FROM unnest($2::int[]) WITH ORDINALITY AS u(n, i)
                        WHERE c.run_id = $1 AND c.chunk_no = u.i - 1
                        """, [Int(id), PGArray.int(items)])
                }
            }
            try refreshCounts(id)
            return id
        }
    }

    /// The run to resume for a market's date: an unfinished one, or the date's latest run when
    /// it failed for want of a server (it has an error and chunks still open). Nil: plan anew.
    public func resumableRun(market: String, asOf: Day, firstDay: Day? = nil) throws -> RunRecord? {
        try db.query("""
            SELECT \(RunRecord.columns) FROM runs r
            WHERE market = $1 AND as_of_date = $2 AND first_date IS NOT DISTINCT FROM $3::date
              AND (status IN ('queued', 'running')
              OR (status = 'failed' AND error IS NOT NULL
                  AND run_id = (SELECT max(run_id) FROM runs
                                WHERE market = $1 AND as_of_date = $2 AND first_date IS NOT DISTINCT FROM $3::date)
                  AND EXISTS (SELECT 1 FROM chunks c WHERE c.run_id = r.run_id AND c.status IN ('pending', 'published'))))
            ORDER BY run_id DESC LIMIT 1
            """, [market, asOf.description, firstDay?.description]).decode(RunRecord.init(row:)).first
    }

    /// The days of `market` that a run or backfill completed (with or without failures), after `day`.
    public func completedDays(market: String, after day: Day) throws -> Set<Day> {
        Set(try db.query("""
            SELECT DISTINCT d::date FROM runs, generate_series(coalesce(first_date, as_of_date), as_of_date, '1 day') AS d
            WHERE market = $1 AND as_of_date > $2 AND status IN ('completed', 'completed_with_failures')
            """, [market, day.description]).rows.compactMap { Day(iso: $0[0]!) })
    }

    /// The latest day of `market` that a run completed (with or without failures).
    public func latestCompletedDay(market: String) throws -> Day? {
        try db.query("""
            SELECT max(as_of_date) FROM runs WHERE market = $1 AND status IN ('completed', 'completed_with_failures')
            """, [market]).scalar.flatMap(Day.init(iso:))
    }

    /// Puts a run that failed for want of a server back to `running`.
    public func reopen(_ runId: Int64) throws {
        try db.query("""
            UPDATE runs SET status = 'running', finished_at = NULL, error = NULL, message = 'resumed'
            WHERE run_id = $1 AND status = 'failed'
            """, [Int(runId)])
    }

    public func run(_ id: Int64) throws -> RunRecord? {
        try db.query("SELECT \(RunRecord.columns) FROM runs WHERE run_id = $1", [Int(id)]).decode(RunRecord.init(row:)).first
    }

    public func recentRuns(limit: Int = 20) throws -> [RunRecord] {
        try db.query("SELECT \(RunRecord.columns) FROM runs ORDER BY run_id DESC LIMIT $1", [limit]).decode(RunRecord.init(row:))
    }

    public func chunks(_ runId: Int64) throws -> [ChunkRecord] {
        try db.query("SELECT \(ChunkRecord.columns) FROM chunks WHERE run_id = $1 ORDER BY chunk_no", [Int(runId)])
            .decode(ChunkRecord.init(row:))
    }

    /// Closes a run with its final status (from its counts) unless it is already finished.
    /// A run is `completed` only when every symbol is accounted for; one with a symbol neither
    /// predicted nor failed is `failed`, saying how many are missing.
    @discardableResult
    public func finish(_ runId: Int64, error: String? = nil) throws -> RunRecord? {
        try db.transaction {
            try refreshCounts(runId)
            try db.query("""
                UPDATE runs SET finished_at = now(),
                  error = coalesce($2, CASE WHEN processed <> total_symbols
                          THEN format('%s of %s symbols unaccounted for', total_symbols - processed, total_symbols) END, error),
                  status = CASE WHEN $2::text IS NOT NULL OR processed <> total_symbols THEN 'failed'
                                WHEN failed = 0 THEN 'completed'
                                WHEN succeeded = 0 AND total_symbols > 0 THEN 'failed'
                                ELSE 'completed_with_failures' END
                WHERE run_id = $1 AND status IN ('queued', 'running')
                """, [Int(runId), error])
            return try run(runId)
        }
    }

    /// Cancels an unfinished run: open chunks become `cancelled`. Returns false if it had finished.
    ///
    /// Locks the run's chunks (in chunk order) before its row, the order in which every result
    /// is applied (its chunk, then the run's row to recount). Taken the other way round, a cancel
    /// that arrived while a result was being applied deadlocked with it.
    public func cancel(_ runId: Int64) throws -> Bool {
        try db.transaction {
            try db.query("SELECT 1 FROM chunks WHERE run_id = $1 ORDER BY chunk_no FOR UPDATE", [Int(runId)])
            let n = try db.query("""
                UPDATE runs SET status = 'cancelled', finished_at = now(), message = 'cancelled by operator'
                WHERE run_id = $1 AND status IN ('queued', 'running')
                """, [Int(runId)]).affected
            guard n == 1 else { return false }
            try db.query("UPDATE chunks SET status = 'cancelled' WHERE run_id = $1 AND status IN ('pending', 'published')", [Int(runId)])
            return true
        }
    }

    /// What `retry` runs again: the failed symbols, and those a cancel left unprocessed.
    public func retrySymbols(_ runId: Int64) throws -> (failed: [String], unprocessed: [String]) {
        let failed = try db.query("SELECT DISTINCT symbol FROM symbol_failures WHERE run_id = $1 ORDER BY symbol", [Int(runId)])
            .decode { try $0.string(0) }
        let unprocessed = try db.query("""
            SELECT DISTINCT s FROM chunks, unnest(symbols) AS s WHERE run_id = $1 AND status = 'cancelled' ORDER BY s
            """, [Int(runId)]).decode { try $0.string(0) }
        return (failed, unprocessed)
    }

    public func setStatus(_ runId: Int64, message: String) throws {
        try db.query("UPDATE runs SET message = $2 WHERE run_id = $1", [Int(runId), message])
    }
}
