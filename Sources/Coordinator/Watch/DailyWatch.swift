import ClosebellCore
import ClosebellStorage
import Foundation
import Logging
import Synchronization

/// `coordinator watch`: a resident coordinator. Daily files are ingested as soon as they are
/// finished in the inbox (closed after writing, or renamed in), and each day a file brought is
/// predicted at once, by a daily run on connections kept open across days (``RunSession``).
///
/// Nothing is lost while it is down: on start (and at every rescan) the inbox's files are taken
/// again; unchanged ones are no-ops by checksum, new or changed ones are loaded and run. A day
/// whose run failed or was locked is tried again at the next rescan. It never exits on its own:
/// SIGTERM stops it between files; a run in progress stays open, and is resumed when the watcher
/// starts again.
public final class DailyWatch: RunDriver, @unchecked Sendable {
    let options: DailyWatchOptions
    let logger: Logger
    let makeBroker: () -> any RunBroker
    private let current = Mutex<RunCoordinator?>(nil)
    private let stopRequested = Atomic<Bool>(false)
    private let started = Atomic<Bool>(false)
    /// Size and modification time of each file taken, so a rescan re-reads only changed ones.
    private var taken: [String: FileStamp] = [:]
    /// Days whose run did not complete, tried again at the next rescan unless a run completed
    /// them after the mark (the server's clock when they were put here; nil: unknown).
    private var retry: [MarketDay: String?] = [:]
    /// The last rescan left a file that was still changing.
    private var unsettled = false

    public init(options: DailyWatchOptions, logger: Logger = Logger(label: "closebell.watch"),
                broker: (() -> any RunBroker)? = nil) {
        self.options = options
        self.logger = logger
        let o = options.run
        self.makeBroker = broker ?? {
            AMQPRunBroker(url: o.amqpURL, topology: o.topology, giveUpAfter: .seconds(o.brokerGiveUpSeconds),
                          resultPrefetch: 500, logger: logger)
        }
    }

    public func requestStop() {
        stopRequested.store(true, ordering: .relaxed)
        current.withLock { $0?.requestStop() }
    }

    public var notReady: String? {
        guard started.load(ordering: .relaxed) else { return "connecting" }
        return current.withLock { $0?.notReady }
    }

    var stopping: Bool { stopRequested.load(ordering: .relaxed) }

    public func drive() throws -> RunExit {
        let inbox = try InboxWatch(folder: options.inbox)
        let session = RunSession(url: options.run.databaseURL, broker: makeBroker(), logger: logger)
        defer { session.close() }
        try session.open()
        started.store(true, ordering: .relaxed)
        say("watching \(options.inbox) for daily files"
            + (options.market.map { " of \($0)" } ?? "")
            + (inbox.notices ? "" : " (no inotify: rescanning every \(Int(options.rescanInterval.seconds)) s)"))
        take(rescan(), session)
        resumeOpenRuns(session)
        runUnpredicted(session)
        var lastRescan = ContinuousClock.now
        while !stopping {
            let names = inbox.wait(timeout: options.tick)
            if stopping { break }
            session.idle()
            var files = finished(names)
            let due = unsettled ? options.settleTime : options.rescanInterval
            if inbox.overflowed || ContinuousClock.now - lastRescan >= due {
                inbox.overflowed = false
                lastRescan = ContinuousClock.now
                files += rescan().filter { !files.contains($0) }
                let again = retry.sorted { $0.key < $1.key }
                retry = [:]
                for (d, mark) in again where !stopping {
                    if let mark, completed(d, since: mark, session) { continue }  // another coordinator did
                    runDay(d, session)
                }
            }
            if !files.isEmpty { take(files, session) }
        }
        say("stopped watching \(options.inbox)")
        return .completed
    }

    /// Ingests `files`, runs each day they brought (new or changed), oldest first, then brings
    /// the outcomes they complete up to date: the predictions the analysts wait for come first,
    /// the accuracy sums and degradation alerts of earlier days (about 25 ms) after them.
    func take(_ files: [String], _ session: RunSession) {
        guard !files.isEmpty, !stopping else { return }
        var reports: [IngestReport] = []
        do {
            let db = try session.runConnection().connection()
            let progress = try BulkIngest(db: db, options: options.ingest, logger: logger).run(files, report: {
                reports.append($0)
                if $0.outcome != .unchanged { say($0.line) }  // a start's rescan finds every old file unchanged
            }, progress: { _ in })
            if progress.failed > 0 || reports.count > 1 { say(progress.summary) }
        } catch {
            say("ingest of \(files.count) file\(files.count == 1 ? "" : "s") failed: \(error); "
                + "taken again at the next rescan")
            for f in files { taken[f] = nil }
            return
        }
        // A file that failed keeps its stamp: taken again once it changes, not at every rescan.
        let days = Set(reports.compactMap { r -> MarketDay? in
            guard r.outcome == .loaded || r.outcome == .replaced, let n = DailyFileName(r.file) else { return nil }
            return MarketDay(market: n.market, day: n.day)
        })
        for d in days.sorted() where !stopping { runDay(d, session) }
        guard let db = try? session.runConnection().connection() else { return }
        OutcomeRefresh(db: db, followUp: options.run.followUp).afterIngest(reports)
    }

    /// One day's run on the session's connections; one that does not complete is retried later.
    func runDay(_ d: MarketDay, _ session: RunSession) {
        var o = options.run
        o.request.market = d.market
        o.request.asOf = d.day
        o.session = session
        o.connectionHandOff = nil
        o.runIdFile = nil
        let coordinator = RunCoordinator(options: o, logger: logger)
        current.withLock { $0 = coordinator }
        defer { current.withLock { $0 = nil } }
        let exit: RunExit
        do {
            exit = try coordinator.run().0
        } catch {
            say("\(d.market) \(d.day): the run could not be carried out: \(error); tried again at the next rescan")
            retryLater(d, session)
            return
        }
        say("\(d.market) \(d.day): exit \(exit.rawValue) (\(exit))")
        if exit == .failed || exit == .locked, !stopping { retryLater(d, session) }
    }

    func retryLater(_ d: MarketDay, _ session: RunSession) {
        let db = try? session.runConnection().connection()
        retry[d] = .some(try? db.map { try RunLedger(db: $0).serverNow() })
    }

    func completed(_ d: MarketDay, since mark: String, _ session: RunSession) -> Bool {
        guard let db = try? session.runConnection().connection() else { return false }
        return (try? RunLedger(db: db).dailyRunCompleted(market: d.market, day: d.day, since: mark)) == true
    }

    /// On start: the days of the inbox's files that no run completed, after the latest day a run
    /// completed (only the newest when none did), as `catch-up` would — a stop or a crash between
    /// a file's ingest and its run, or a day whose run failed before a restart, is not lost.
    func runUnpredicted(_ session: RunSession) {
        guard let db = try? session.runConnection().connection(),
              let names = try? FileManager.default.contentsOfDirectory(atPath: options.inbox) else { return }
        let files = names.compactMap(DailyFileName.init).filter { accepts(market: $0.market) }
        for (m, named) in Dictionary(grouping: files, by: \.market).sorted(by: { $0.key < $1.key }) {
            let latest = (try? RunLedger(db: db).latestCompletedDay(market: m)) ?? nil
            // Only days with data: a file that failed its ingest has nothing to run.
            guard let open = try? CatchUp.uncompletedDays(market: m, after: latest ?? Day(daysSinceEpoch: 0), db: db)
            else { continue }
            var days = Set(named.map(\.day)).intersection(open).sorted()
            if latest == nil { days = days.suffix(1) }
            for day in days where !stopping { runDay(MarketDay(market: m, day: day), session) }
        }
    }

    /// On start: daily runs left open (by a stop or a crash) are resumed now; one another
    /// coordinator is running is found locked and looked at again at the next rescan.
    func resumeOpenRuns(_ session: RunSession) {
        guard let db = try? session.runConnection().connection(),
              let active = try? RunLedger(db: db).activeRuns() else { return }
        for r in active.reversed() where r.kind == .daily && accepts(market: r.market) && !stopping {
            say("resuming the open run \(r.id) of \(r.market) \(r.asOf)")
            runDay(MarketDay(market: r.market, day: r.asOf), session)
        }
    }

    /// The daily files among the names inotify reported, as paths (of this watcher's market).
    func finished(_ names: [String]) -> [String] {
        var out: [String] = []
        for name in Set(names).sorted() where accepts(name) {
            let path = (options.inbox as NSString).appendingPathComponent(name)
            guard let stamp = FileStamp(path) else { continue }
            taken[path] = stamp
            out.append(path)
        }
        return out.sorted { DailyFileName($0)!.day < DailyFileName($1)!.day }
    }

    /// The inbox's daily files that are new or changed since taken and have settled; one that
    /// has not settled yet brings the next rescan forward to when it will have.
    func rescan() -> [String] {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: options.inbox) else {
            say("cannot list \(options.inbox); trying again at the next rescan")
            return []
        }
        var out: [String] = []
        unsettled = false
        let settled = Date().addingTimeInterval(-options.settleTime.seconds)
        for name in names.sorted() where accepts(name) {
            let path = (options.inbox as NSString).appendingPathComponent(name)
            guard let stamp = FileStamp(path), stamp != taken[path] else { continue }
            guard stamp.modified <= settled else {
                unsettled = true
                continue
            }
            taken[path] = stamp
            out.append(path)
        }
        return out.sorted { DailyFileName($0)!.day < DailyFileName($1)!.day }
    }

    func accepts(_ name: String) -> Bool {
        guard let n = DailyFileName(name) else { return false }
        return accepts(market: n.market)
    }

    func accepts(market: String) -> Bool { options.market.map { $0 == market } ?? true }

    /// A line on stdout, stamped like a run's own lines.
    func say(_ line: String) {
        FileHandle.standardOutput.write(Data("\(Date().formatted(.iso8601)) \(line)\n".utf8))
    }
}

/// A market's trading day.
struct MarketDay: Hashable, Comparable {
    let market: String
    let day: Day
    static func < (a: MarketDay, b: MarketDay) -> Bool { (a.day, a.market) < (b.day, b.market) }
}

/// What tells a file changed without reading it: its size and modification time.
struct FileStamp: Equatable {
    let size: Int
    let modified: Date

    init?(_ path: String) {
        guard let a = try? FileManager.default.attributesOfItem(atPath: path),
              (a[.type] as? FileAttributeType) == .typeRegular,
              let size = (a[.size] as? NSNumber)?.intValue, let modified = a[.modificationDate] as? Date
        else { return nil }
        self.size = size
        self.modified = modified
    }
}
