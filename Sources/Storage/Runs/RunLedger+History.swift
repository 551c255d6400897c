import ClosebellCore

/// Which runs a history listing shows: by status and by as-of date (all when nil).
public struct RunFilter: Sendable, Equatable {
    public var status: RunStatus?
    /// Runs whose as-of date is on or after this day.
    public var from: Day?
    /// Runs whose as-of date is on or before this day.
    public var to: Day?

    public init(status: RunStatus? = nil, from: Day? = nil, to: Day? = nil) {
        self.status = status
        self.from = from
        self.to = to
    }

    var whereClause: String {
        "($1::text IS NULL OR status = $1) AND ($2::date IS NULL OR as_of_date >= $2) AND ($3::date IS NULL OR as_of_date <= $3)"
    }

    var parameters: [any PGBindable] { [status?.rawValue, from?.description, to?.description] }
}

/// A chunk with its worker and timings, as a run's detail page shows it.
public struct ChunkDetail: Sendable, Equatable, Encodable {
    public let chunkNo: Int
    public let symbolCount: Int
    /// A backfill chunk's (symbol, day) entries; nil for a daily run's chunk (one per symbol).
    public let items: Int?
    public let status: ChunkStatus
    public let attempts: Int
    public let worker: String?
    public let publishedAt: String?
    public let takenAt: String?
    public let completedAt: String?
    /// Milliseconds the worker spent computing the chunk.
    public let computeMs: Double?
    public let succeeded: Int
    public let failed: Int
    public let skipped: Int
    public let lastError: String?
}

/// One failed (symbol, day) of a run, with the stage that failed and the error.
public struct SymbolFailureRow: Sendable, Equatable, Encodable {
    public let symbol: String
    public let asOf: Day
    public let stage: String
    public let error: String
    public let attempts: Int
}

/// One skipped (symbol, day) of a run, with the reason.
public struct SymbolSkipRow: Sendable, Equatable, Encodable {
    public let symbol: String
    public let asOf: Day
    public let reason: String
}

/// What one worker finished recently, from the chunks it completed.
public struct WorkerActivity: Sendable, Equatable, Encodable {
    public let worker: String
    public let chunks: Int
    /// Symbols (or backfill entries) accounted for by those chunks.
    public let entries: Int
    /// Seconds the worker spent computing them.
    public let computeSeconds: Double
    public let lastSeen: String
    /// Entries per second of compute.
    public var throughput: Double { computeSeconds > 0 ? Double(entries) / computeSeconds : 0 }
}

extension RunLedger {
    /// Runs matching `filter`, newest first, one page of them.
    public func runs(_ filter: RunFilter, limit: Int, offset: Int) throws -> [RunRecord] {
        try db.query("""
            SELECT \(RunRecord.columns) FROM runs WHERE \(filter.whereClause) ORDER BY run_id DESC LIMIT $4 OFFSET $5
            """, filter.parameters + [limit, offset]).decode(RunRecord.init(row:))
    }

    /// How many runs match `filter`.
    public func countRuns(_ filter: RunFilter) throws -> Int {
        Int(try db.query("SELECT count(*) FROM runs WHERE \(filter.whereClause)", filter.parameters).scalar ?? "0") ?? 0
    }

    /// Runs still queued or running, newest first.
    public func activeRuns() throws -> [RunRecord] {
        try db.query("""
            SELECT \(RunRecord.columns) FROM runs WHERE status IN ('queued', 'running') ORDER BY run_id DESC
            """).decode(RunRecord.init(row:))
    }

    /// Runs that finished in the last `minutes`, newest first.
    public func recentlyFinished(withinMinutes minutes: Int) throws -> [RunRecord] {
        try db.query("""
            SELECT \(RunRecord.columns) FROM runs WHERE status NOT IN ('queued', 'running')
              AND finished_at > now() - make_interval(mins => $1) ORDER BY finished_at DESC LIMIT 50
            """, [minutes]).decode(RunRecord.init(row:))
    }

    /// Each run's chunk count per status.
    public func chunkStates(_ runIds: [Int64]) throws -> [Int64: [ChunkStatus: Int]] {
        guard !runIds.isEmpty else { return [:] }
        var out: [Int64: [ChunkStatus: Int]] = [:]
        let rows = try db.query("""
            SELECT run_id, status, count(*) FROM chunks WHERE run_id = ANY($1::bigint[]) GROUP BY 1, 2
            """, [PGArray.int(runIds.map(Int.init))])
        for r in rows.typed {
            out[try r.int64(0), default: [:]][try r.decode(1, ChunkStatus.init(rawValue:))] = try r.int(2)
        }
        return out
    }

    /// A run's chunks with their timings, in order (at most `limit`).
    public func chunkDetails(_ runId: Int64, limit: Int = 500) throws -> [ChunkDetail] {
        try db.query("""
            SELECT chunk_no, cardinality(symbols), items, status, attempts, worker, published_at::text, taken_at::text,
                   completed_at::text, compute_ms, succeeded, failed, skipped, last_error
            FROM chunks WHERE run_id = $1 ORDER BY chunk_no LIMIT $2
            """, [Int(runId), limit]).decode { r in
            ChunkDetail(chunkNo: try r.int(0), symbolCount: try r.int(1), items: r.optional(2).flatMap { Int($0) },
                        status: try r.decode(3, ChunkStatus.init(rawValue:)), attempts: try r.int(4), worker: r.optional(5),
                        publishedAt: r.optional(6), takenAt: r.optional(7), completedAt: r.optional(8),
                        computeMs: r.optional(9).flatMap { Double($0) }, succeeded: try r.int(10), failed: try r.int(11),
                        skipped: try r.int(12), lastError: r.optional(13))
        }
    }

    /// A run's failed (symbol, day)s, by symbol (at most `limit`).
    public func failures(_ runId: Int64, limit: Int = 200) throws -> [SymbolFailureRow] {
        try db.query("""
            SELECT symbol, as_of_date, stage, error, attempts FROM symbol_failures WHERE run_id = $1
            ORDER BY symbol, as_of_date LIMIT $2
            """, [Int(runId), limit]).decode { r in
            SymbolFailureRow(symbol: try r.string(0), asOf: try r.day(1), stage: try r.string(2), error: try r.string(3),
                             attempts: try r.int(4))
        }
    }

    /// A run's skipped (symbol, day)s, by symbol (at most `limit`).
    public func skips(_ runId: Int64, limit: Int = 200) throws -> [SymbolSkipRow] {
        try db.query("""
            SELECT symbol, as_of_date, reason FROM symbol_skips WHERE run_id = $1 ORDER BY symbol, as_of_date LIMIT $2
            """, [Int(runId), limit]).decode { r in
            SymbolSkipRow(symbol: try r.string(0), asOf: try r.day(1), reason: try r.string(2))
        }
    }

    /// The workers that completed a chunk in the last `minutes`, busiest first.
    public func workerActivity(withinMinutes minutes: Int) throws -> [WorkerActivity] {
        try db.query("""
            SELECT worker, count(*), sum(coalesce(items, cardinality(symbols))), coalesce(sum(compute_ms), 0) / 1000,
                   max(completed_at)::text
            FROM chunks WHERE completed_at > now() - make_interval(mins => $1) AND worker IS NOT NULL AND status = 'done'
            GROUP BY worker ORDER BY 3 DESC, 1
            """, [minutes]).decode { r in
            WorkerActivity(worker: try r.string(0), chunks: try r.int(1), entries: try r.int(2),
                           computeSeconds: try r.double(3), lastSeen: try r.string(4))
        }
    }
}
