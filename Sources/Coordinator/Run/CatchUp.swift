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
    /// Changed only before the days are run, on the thread that runs them (``settleMarket(on:)``).
    var options: RunOptions
    let since: Day?
    /// Files loaded first (`--ingest`), their outcomes refreshed after the runs.
    let ingest: CatchUpIngest?
    /// No market was given: after the ingest, the market is the one the database then holds.
    let marketFromData: Bool
    let logger: Logger
    private let current = Mutex<RunCoordinator?>(nil)
    let stopRequested = Atomic<Bool>(false)

    /// `options.request.asOf` is replaced by each day; `since` (exclusive) overrides the
    /// latest completed day as the start; `ingest`, files to load before the days are chosen;
    /// `marketFromData`, the market was not given, so the ingest may bring the first (or a second) one.
    public init(options: RunOptions, since: Day?, ingest: CatchUpIngest? = nil, marketFromData: Bool = false,
                logger: Logger = Logger(label: "closebell.coordinator")) {
        self.options = options
        self.since = since
        self.ingest = ingest
        self.marketFromData = marketFromData
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
            // A first evening: the newest day with data, not the whole history (that is a backfill's).
            guard let latest = try MarketStore(db: db).tradingDays(market: market, after: Day(daysSinceEpoch: 0)).last
            else { return [] }
            print("no run of \(market) has completed yet: only its latest day with data, \(latest), is caught up "
                  + "(earlier days: coordinator backfill, or catch-up --since DATE)")
            return [latest]
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
        let exit = Result { () throws -> RunExit in
            if marketFromData, let db = ingested.db, db.isOpen { try settleMarket(on: db) }
            return try catchUp(on: ingested.db)
        }
        refreshOutcomes(ingested)  // even when no day could be run: the files are in
        return Self.combined(catchUp: try exit.get(), ingest: ingested.exit)
    }

    /// The market was chosen before the ingest, from what the database held then: the files may
    /// have brought the first market's data, or a second market's. One market: it is this
    /// catch-up's. Several: refused (usage), as `run` and `catch-up` without `--ingest` refuse it.
    func settleMarket(on db: PGConnection) throws {
        if let market = try RunRequest.onlyMarket(of: MarketStore(db: db).markets()) { options.request.market = market }
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
