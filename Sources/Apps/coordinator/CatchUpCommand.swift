import ArgumentParser
import ClosebellCoordinator
import ClosebellCore
import ClosebellRuntime
import Foundation
import Logging

/// `coordinator catch-up`: every day with data that no run completed, oldest first.
struct CatchUpCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "catch-up",
        abstract: "Predict every trading day with data after the latest completed run (or --since), oldest first.",
        discussion: """
            What cron runs each evening: a day it missed (machine down, broker away) is predicted the \
            next time, never silently lost. Days that a run already completed are left alone; a day \
            whose run was interrupted is resumed. The exit code is the worst of the days': 1 failed, \
            4 cancelled (the catch-up stops there), 3 locked, 2 completed with failures, 0 completed.

            With --ingest, the daily job in one process: the files are ingested first (as `coordinator \
            ingest` does it), the days caught up, then the outcomes the files complete brought up to \
            date. The exit code is then the catch-up's, or the ingest's when the catch-up's is 0 \
            (1: no daily files there or a server away, 2: a file was rejected).
            """)
    @OptionGroup var db: DatabaseOptions
    @OptionGroup var broker: BrokerOptions
    @Option(help: "Predict the days after this date YYYY-MM-DD (default: after the latest completed run's day).")
    var since: String?
    @Option(name: .customLong("ingest"), help: ArgumentHelp(
        "Ingest these daily files or folders first (repeatable); the days they bring are caught up.",
        valueName: "path"))
    var ingestPaths: [String] = []
    @OptionGroup(title: "Ingest (with --ingest)") var ingestFlags: IngestFlags
    @OptionGroup var settings: RunSettingsOptions
    @OptionGroup var metrics: MetricsOptions

    func run() async throws {
        await AppConfiguration.load(db.configuration)
        bootstrapLogging()
        if ingestPaths.isEmpty, let flag = ingestFlags.given.first {
            fail("\(flag) is a flag of the ingest: give --ingest PATH with it", code: 64)
        }
        var start: Day?
        if let since {
            guard let d = Day(iso: since) else { fail("--since '\(RawText.display(since, limit: 40))' is not YYYY-MM-DD", code: 64) }
            start = d
        }
        // The request's date is replaced by each day caught up.
        let o = try await onOwnThread {  // the market may be looked up in the database
            settings.options(asOf: start ?? Day(daysSinceEpoch: 0), db: db, broker: broker)
        }
        let ingest = ingestPaths.isEmpty ? nil
            : CatchUpIngest(paths: ingestPaths, options: ingestFlags.options, verbose: ingestFlags.verbose)
        let logger = Logger(label: "closebell.coordinator")
        let marketGiven = settings.market != nil || !AppConfiguration.settings.market.isEmpty
        try await launch({ CatchUp(options: o, since: start, ingest: ingest, marketFromData: !marketGiven, logger: logger) },
                         metrics: metrics, logger: logger)
    }
}
