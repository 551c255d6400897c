import ClosebellCore
import ClosebellStorage
import Foundation
import Logging
import Synchronization

/// `coordinator catch-up`: every trading day with data after the latest completed run (or
/// after a given day) that no run has completed yet, oldest first, one daily run each — so a
/// day cron missed is never silently lost. A day already started is resumed, not restarted.
/// The outcome is the worst of its days; a cancelled day stops the catch-up.
public final class CatchUp: RunDriver, @unchecked Sendable {
    let options: RunOptions
    let since: Day?
    /// Files loaded first (`--ingest`), their outcomes refreshed after the runs.
    let ingest: CatchUpIngest?
    let logger: Logger
    private let current = Mutex<RunCoordinator?>(nil)
    private let stopRequested = Atomic<Bool>(false)

    /// `options.request.asOf` is replaced by each day; `since` (exclusive) overrides the
    /// latest completed day as the start; `ingest`, files to load before the days are chosen.
    public init(options: RunOptions, since: Day?, ingest: CatchUpIngest? = nil,
                logger: Logger = Logger(label: "closebell.coordinator")) {
        self.options = options
        self.since = since
        self.ingest = ingest
        self.logger = logger
    }

    /// The days to predict, oldest first.
    public func days() throws -> [Day] {
        let db = try PGConnection(options.databaseURL)
        defer { db.close() }
        try Migrator.migrate(db)
        return try days(on: db)
    }

    /// ``days()`` on a connection already open and migrated.
    func days(on db: PGConnection) throws -> [Day] {
        let market = options.request.market
        guard let start = try since ?? RunLedger(db: db).latestCompletedDay(market: market) else {
            throw RunRequestError("no run of \(market) has completed yet: give --since DATE (days after it are predicted)")
        }
        return try Self.uncompletedDays(market: market, after: start, db: db)
    }

    /// The trading days of `market` with data after `start` (exclusive) that no run completed,
    /// oldest first: what a catch-up predicts (and a starting watcher, for its inbox's files).
    public static func uncompletedDays(market: String, after start: Day, db: PGConnection) throws -> [Day] {
        let done = try RunLedger(db: db).completedDays(market: market, after: start)
        return try MarketStore(db: db).tradingDays(market: market, after: start).filter { !done.contains($0) }
    }

    public func drive() throws -> RunExit {
        let ingested = ingest.map(ingestFirst) ?? Ingested()
        let exit = Result { try catchUp(on: ingested.db) }
        refreshOutcomes(ingested)  // even when no day could be run: the files are in
        return Self.combined(catchUp: try exit.get(), ingest: ingested.exit)
    }

    /// Every day to catch up, oldest first, found on `db` when it is open (the ingest's); the
    /// worst of their exits.
    func catchUp(on db: PGConnection?) throws -> RunExit {
        let open = db.flatMap { $0.isOpen ? $0 : nil }
        let days = try open.map { try self.days(on: $0) } ?? self.days()
        guard let first = days.first, let last = days.last else {
            print("nothing to catch up for \(options.request.market): every day with data has a completed run")
            return .completed
        }
        print("catching up \(days.count) day\(days.count == 1 ? "" : "s") of \(options.request.market): \(first) … \(last)")
        var worst = RunExit.completed
        for day in days {
            if stopRequested.load(ordering: .relaxed) { return RunExit.worst(worst, .failed) }
            var o = options
            o.request.asOf = day
            let coordinator = RunCoordinator(options: o, logger: logger)
            current.withLock { $0 = coordinator }
            let (exit, _) = try coordinator.run()
            current.withLock { $0 = nil }
            print("catch-up: \(day): exit \(exit.rawValue) (\(exit))")
            worst = RunExit.worst(worst, exit)
            if exit == .cancelled {
                print("catch-up: \(day) was cancelled; the later days are left for the next catch-up")
                break
            }
        }
        return worst
    }

    public func requestStop() {
        stopRequested.store(true, ordering: .relaxed)
        current.withLock { $0?.requestStop() }
    }

    public var notReady: String? { current.withLock { $0?.notReady } }
}
