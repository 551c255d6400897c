import ClosebellCoordinator
import ClosebellCore
import ClosebellProtocol
import ClosebellStorage
import Foundation

/// What the dashboard knows and does, for the API and the pages alike: reads from PostgreSQL
/// and the broker, and the operator's actions carried out by `coordinator` child processes.
public struct DashboardService: Sendable {
    public let options: DashboardOptions
    public let db: DashboardDatabase

    public init(options: DashboardOptions, db: DashboardDatabase) {
        self.options = options
        self.db = db
    }

    /// One page of runs matching `filter` (pages count from 1).
    public func runs(_ filter: RunFilter, page: Int) async throws -> RunPage {
        let per = options.pageSize
        return try await db.read { c in
            let ledger = RunLedger(db: c)
            let total = try ledger.countRuns(filter)
            let runs = try ledger.runs(filter, limit: per, offset: (page - 1) * per).map { RunSummary($0) }
            return RunPage(runs: runs, total: total, page: page, perPage: per)
        }
    }

    /// Queued and running runs, and those finished in the last 10 minutes, with chunks by state.
    public func activeRuns() async throws -> ActiveRuns {
        try await db.read { c in
            let ledger = RunLedger(db: c)
            let runs = try ledger.activeRuns()
            let recent = try ledger.recentlyFinished(withinMinutes: ActiveRuns.recentMinutes)
            let states = try ledger.chunkStates((runs + recent).map(\.id))
            return ActiveRuns(runs: runs.map { RunSummary($0, chunks: states[$0.id] ?? [:]) },
                              recent: recent.map { RunSummary($0, chunks: states[$0.id] ?? [:]) })
        }
    }

    /// One run, or a 404.
    public func run(_ id: Int64) async throws -> RunSummary {
        try await db.read { c in
            let ledger = RunLedger(db: c)
            guard let r = try ledger.run(id) else { throw DashboardError.noRun(id) }
            return RunSummary(r, chunks: try ledger.chunkStates([id])[id] ?? [:])
        }
    }

    /// A run with its chunks, failures, skips and retries, or a 404.
    public func detail(_ id: Int64) async throws -> RunDetail {
        let logPath = logPath(id)
        return try await db.read { c in
            let ledger = RunLedger(db: c)
            guard let r = try ledger.run(id) else { throw DashboardError.noRun(id) }
            let retries = try c.query("SELECT run_id FROM runs WHERE parent_run_id = $1 ORDER BY run_id", [Int(id)])
                .decode { try $0.int64(0) }
            return RunDetail(run: RunSummary(r, chunks: try ledger.chunkStates([id])[id] ?? [:]),
                             request: RunRequest.stored(r.config), chunks: try ledger.chunkDetails(id),
                             failures: try ledger.failures(id), skips: try ledger.skips(id), retries: retries,
                             hasLog: FileManager.default.fileExists(atPath: logPath))
        }
    }

    /// The per-run log file's path.
    public func logPath(_ id: Int64) -> String {
        (options.logDirectory as NSString).appendingPathComponent("run-\(id).log")
    }

    /// The last `limit` bytes of a run's log (404 for an unknown run; empty when it has none).
    public func log(_ id: Int64, limit: Int = 256 * 1024) async throws -> String {
        _ = try await run(id)
        return CoordinatorLauncher.tail(logPath(id), limit: limit)
    }

    /// Starts the run a launch request asks for; answers once it is planned.
    public func launch(_ request: LaunchRequest) async throws -> RunSummary {
        let (sub, args) = request.command
        return try await run(try await started(sub, args + ["--log-dir", options.logDirectory]))
    }

    /// Cancels an unfinished run through `coordinator cancel` (which also tells the workers).
    public func cancel(_ id: Int64) async throws -> RunSummary {
        let before = try await run(id)
        guard !before.status.isFinished else {
            throw DashboardError(.conflict, "finished", "run \(id) is \(before.status); nothing to cancel")
        }
        let (code, output) = try await options.launcher.runToEnd("cancel", [String(id)])
        guard code == 0 else { throw Self.failure(code, output, action: "cancel") }
        return try await run(id)
    }

    /// Starts a retry of a finished run's failed and unprocessed symbols; answers the new run.
    public func retry(_ id: Int64) async throws -> RunSummary {
        let before = try await run(id)
        guard before.status.isFinished else {
            throw DashboardError(.conflict, "unfinished",
                                 "run \(id) is \(before.status); only a finished run can be retried")
        }
        guard before.failed > 0 || before.status == .cancelled || before.status == .failed else {
            throw DashboardError(.conflict, "nothing_to_retry", "run \(id) has no failed or unprocessed symbols")
        }
        // A run cancelled a moment ago may still have its coordinator winding down, holding the
        // date's lock: the retry waits for it (up to 15 s) rather than failing `locked`.
        let deadline = ContinuousClock.now + .seconds(15)
        while true {
            do {
                return try await run(try await started("retry", [String(id), "--log-dir", options.logDirectory]))
            } catch let e as DashboardError where e.code == "locked" && ContinuousClock.now < deadline {
                try await Task.sleep(for: .milliseconds(300))
            }
        }
    }

    private func started(_ sub: String, _ args: [String]) async throws -> Int64 {
        do {
            return try await options.launcher.startRun(sub, args)
        } catch let e as CoordinatorLauncher.Ended {
            throw Self.failure(e.exitCode, e.output, action: sub)
        }
    }

    /// A child's failure as the API reports it: usage errors are the caller's (400), a held
    /// lock is a conflict (409), anything else cannot be done now (422).
    static func failure(_ code: Int32, _ output: String, action: String) -> DashboardError {
        let lines = output.split(separator: "\n").map(String.init)
        let message = lines.last { $0.hasPrefix("error: ") }.map { String($0.dropFirst(7)) }
            ?? lines.last { !$0.isEmpty } ?? "`coordinator \(action)` ended with exit code \(code)"
        switch code {
        case 64: return DashboardError(.badRequest, "rejected", message)
        case 3: return DashboardError(.conflict, "locked", message)
        case 0: return DashboardError(.conflict, "nothing_to_do", message)
        default: return DashboardError(.unprocessableContent, "\(action)_failed", "\(message) (exit code \(code))")
        }
    }

    /// Queue depth (dead-letter queue included) and the workers seen recently.
    public func queues() async throws -> QueuesView {
        let monitor = QueueMonitor(amqpURL: options.amqpURL, managementURL: options.managementURL)
        let names = options.topology.watchedQueues
        let dead = options.topology.deadLetterQueue
        let stats: Result<[QueueStats], Error> = await withCheckedContinuation { continuation in
            DispatchQueue.global().async { continuation.resume(returning: Result { try monitor.stats(names) }) }
        }
        let minutes = options.workerWindowMinutes
        let workers = try await db.read { try RunLedger(db: $0).workerActivity(withinMinutes: minutes) }
        switch stats {
        case .success(let s):
            return QueuesView(queues: s.map {
                QueueStatsRow(name: $0.name, ready: $0.ready, unacked: $0.unacked, consumers: $0.consumers,
                              deadLetter: $0.name == dead)
            }, brokerError: nil, workers: workers, windowMinutes: minutes)
        case .failure(let e):
            return QueuesView(queues: [], brokerError: "broker unreachable: \(e)", workers: workers,
                              windowMinutes: minutes)
        }
    }

    /// Every model's rolling accuracy over the last `days` days, and the recent alerts.
    public func accuracy(days: Int? = nil) async throws -> AccuracyView {
        let span = days ?? options.accuracyDays
        return try await db.read { c in
            let store = OutcomeStore(db: c)
            let latest = try c.query("SELECT max(as_of_date)::text FROM accuracy_daily").scalar.flatMap(Day.init(iso:))
            let from = (latest ?? Day(daysSinceEpoch: Int32(Date().timeIntervalSince1970 / 86_400))).adding(days: -span)
            let series = Dictionary(grouping: try store.rollingHistory(from: from)) {
                "\($0.modelKind)|\($0.modelHash)"
            }
            let models = series.keys.sorted().map { key in
                let s = series[key]!
                return AccuracyView.Model(modelKind: s[0].modelKind, modelHash: s[0].modelHash, series: s)
            }
            return AccuracyView(from: from, models: models, alerts: try store.recentAlerts(limit: 50))
        }
    }

    /// Writes an export to a temporary file; the caller streams and removes it.
    public func export(_ e: PredictionExport, format: ExportFormat) async throws -> String {
        let name = "closebell-export-\(UUID().uuidString).\(format.rawValue)"
        let path = (NSTemporaryDirectory() as NSString).appendingPathComponent(name)
        _ = try await db.read { try e.write($0, format: format, to: path) }
        return path
    }
}
