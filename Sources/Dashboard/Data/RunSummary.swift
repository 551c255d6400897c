import ClosebellCoordinator
import ClosebellCore
import ClosebellStorage

/// A run as the API and the pages show it: its ledger counts, what it was asked to do, and the
/// progress figures derived from them (success rate, symbols/s, ETA, chunks by state).
public struct RunSummary: Sendable, Encodable {
    public enum Kind: String, Sendable, Encodable { case daily, backfill }

    public let id: Int64
    public let kind: Kind
    public let market: String
    public let asOfDate: Day
    /// A backfill's first day.
    public let firstDate: Day?
    public let status: RunStatus
    /// Percent of entries processed.
    public let progress: Double
    public let total: Int
    public let processed: Int
    public let succeeded: Int
    public let failed: Int
    public let skipped: Int
    public let retried: Int
    public let startedAt: String?
    public let finishedAt: String?
    public let durationSeconds: Double?
    /// Processed entries per second since the run started.
    public let symbolsPerSecond: Double?
    /// Seconds until every entry is processed at that rate (running runs only).
    public let etaSeconds: Double?
    /// Succeeded / (succeeded + failed); nil before any result.
    public let successRate: Double?
    public let message: String?
    public let error: String?
    public let parentRunId: Int64?
    public let priority: String
    public let chunkSize: Int?
    public let models: String?
    /// Chunks per state (only where asked for: active runs and a run's detail).
    public let chunks: [String: Int]?

    init(_ r: RunRecord, chunks: [ChunkStatus: Int]? = nil) {
        let request = RunRequest.stored(r.config)
        id = r.id
        kind = r.firstDay == nil ? .daily : .backfill
        market = r.market
        asOfDate = r.asOf
        firstDate = r.firstDay
        status = r.status
        progress = r.progress
        total = r.total
        processed = r.processed
        succeeded = r.succeeded
        failed = r.failed
        skipped = r.skipped
        retried = r.retried
        startedAt = r.startedAt
        finishedAt = r.finishedAt
        durationSeconds = r.durationSeconds
        let rate = r.durationSeconds.flatMap { $0 > 0.001 ? Double(r.processed) / $0 : nil }
        symbolsPerSecond = rate
        etaSeconds = r.isFinished ? nil : rate.flatMap { $0 > 0 ? Double(r.total - r.processed) / $0 : nil }
        successRate = r.succeeded + r.failed > 0 ? Double(r.succeeded) / Double(r.succeeded + r.failed) : nil
        message = r.message
        error = r.error
        parentRunId = r.parentRunId
        priority = request?.priority.rawValue ?? "normal"
        chunkSize = request?.chunkSize
        models = request?.modelStore
        self.chunks = chunks.map { Dictionary(uniqueKeysWithValues: $0.map { ($0.key.rawValue, $0.value) }) }
    }

    /// `2024-01-31`, or `2024-01-01…2024-01-31` for a backfill.
    public var days: String { firstDate.map { "\($0)…\(asOfDate)" } ?? asOfDate.description }
}

/// The Active runs page: what is queued or running, and what finished a moment ago.
public struct ActiveRuns: Sendable, Encodable {
    /// How long a finished run stays on the page. 10 minutes.
    public static let recentMinutes = 10
    public let runs: [RunSummary]
    public let recent: [RunSummary]
}

/// One page of the run history.
public struct RunPage: Sendable, Encodable {
    public let runs: [RunSummary]
    public let total: Int
    public let page: Int
    public let perPage: Int
    public var pages: Int { max(1, (total + perPage - 1) / perPage) }
}

/// Everything a run's detail page shows.
public struct RunDetail: Sendable, Encodable {
    public let run: RunSummary
    /// The request it was started with (`runs.config`).
    public let request: RunRequest?
    public let chunks: [ChunkDetail]
    public let failures: [SymbolFailureRow]
    public let skips: [SymbolSkipRow]
    /// Retries of this run.
    public let retries: [Int64]
    /// Whether the per-run log file exists (`GET /api/v1/runs/{id}/log`).
    public let hasLog: Bool
}

/// Queue depth and the workers seen recently.
public struct QueuesView: Sendable, Encodable {
    public let queues: [QueueStatsRow]
    /// Why queue depth is missing (the broker is unreachable), else nil.
    public let brokerError: String?
    public let workers: [WorkerActivity]
    /// The window the workers' figures cover.
    public let windowMinutes: Int
}

/// One queue's depth (the broker's figures).
public struct QueueStatsRow: Sendable, Encodable {
    public let name: String
    public let ready: Int
    public let unacked: Int?
    public let consumers: Int
    /// The dead-letter queue.
    public let deadLetter: Bool
}

/// Each model's rolling accuracy over time, and the recent degradation alerts.
public struct AccuracyView: Sendable, Encodable {
    /// One model's series.
    public struct Model: Sendable, Encodable {
        public let modelKind: String
        public let modelHash: String
        public let series: [RollingAccuracy]
    }

    public let from: Day
    public let models: [Model]
    public let alerts: [AlertRecord]
}
