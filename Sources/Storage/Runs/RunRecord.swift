import ClosebellCore

/// A run's status (SPEC §4), as stored in `runs.status`.
public enum RunStatus: String, Sendable, CaseIterable, CustomStringConvertible, Codable {
    case queued, running, completed
    case completedWithFailures = "completed_with_failures"
    case failed, cancelled

    /// Finished runs are never changed by results again.
    public var isFinished: Bool { ![.queued, .running].contains(self) }
    public var description: String { rawValue }
}

/// What a run was started as: cron's daily run, a backfill over a range, or a retry of a run's
/// failed symbols.
public enum RunKind: String, Sendable, CaseIterable, CustomStringConvertible, Codable {
    case daily, backfill, retry
    public var description: String { rawValue }
}

/// A chunk's status, as stored in `chunks.status`.
public enum ChunkStatus: String, Sendable, CaseIterable, CustomStringConvertible, Codable {
    case pending, published, done, failed, cancelled

    /// Pending and published chunks still owe a result.
    public var isOpen: Bool { self == .pending || self == .published }
    public var description: String { rawValue }
}

/// A run's row in the ledger.
public struct RunRecord: Sendable, Equatable {
    public let id: Int64
    public let market: String
    public let asOf: Day
    public let status: RunStatus
    public let progress: Double
    public let message: String?
    public let total: Int
    public let processed: Int
    public let succeeded: Int
    public let failed: Int
    /// Symbols skipped as expected (too little history), counted apart from failures.
    public let skipped: Int
    public let retried: Int
    public let startedAt: String?
    public let finishedAt: String?
    public let error: String?
    /// The run's request as JSON (what it was asked to do; never a secret).
    public let config: String
    public let parentRunId: Int64?
    /// A backfill's first day (nil: a daily run of `asOf`).
    public let firstDay: Day?
    /// Seconds from start to finish (to now while it runs); nil before it started.
    public let durationSeconds: Double?

    public var isFinished: Bool { status.isFinished }

    /// A retry (it has a parent run), a backfill (a range), or a daily run.
    public var kind: RunKind { parentRunId != nil ? .retry : firstDay != nil ? .backfill : .daily }

    static let columns = """
        run_id, market, as_of_date, status, progress, message, total_symbols, processed, succeeded, failed, retried,
        started_at, finished_at, error, config::text, parent_run_id, skipped, first_date,
        extract(epoch FROM coalesce(finished_at, now()) - started_at)::float8
        """

    /// How many columns ``columns`` selects (a query may add its own after them).
    static let columnCount = 19

    init(row r: PGRow) throws {
        id = try r.int64(0)
        market = try r.string(1)
        asOf = try r.day(2)
        status = try r.decode(3, RunStatus.init(rawValue:))
        progress = try r.double(4)
        message = r.optional(5)
        total = try r.int(6)
        processed = try r.int(7)
        succeeded = try r.int(8)
        failed = try r.int(9)
        retried = try r.int(10)
        startedAt = r.optional(11)
        finishedAt = r.optional(12)
        error = r.optional(13)
        config = r.optional(14) ?? "{}"
        parentRunId = try r.optionalInt64(15)
        skipped = try r.int(16)
        firstDay = try r.optionalDay(17)
        durationSeconds = r.optional(18).flatMap(Double.init)
    }
}

/// A chunk's row in the ledger.
public struct ChunkRecord: Sendable, Equatable {
    public let runId: Int64
    public let chunkNo: Int
    public let symbols: [String]
    public let status: ChunkStatus
    public let attempts: Int
    public let worker: String?
    public let lastError: String?

    static let columns = "run_id, chunk_no, symbols::text, status, attempts, worker, last_error"

    init(row r: PGRow) throws {
        runId = try r.int64(0)
        chunkNo = try r.int(1)
        symbols = PGArray.parseText(try r.string(2))
        status = try r.decode(3, ChunkStatus.init(rawValue:))
        attempts = try r.int(4)
        worker = r.optional(5)
        lastError = r.optional(6)
    }
}
