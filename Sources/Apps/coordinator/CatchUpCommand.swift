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
            What cron runs each evening: a day it missed (machine down, broker away) is predicted the
            next time, never silently lost. Days that a run already completed are left alone; a day
            whose run was interrupted is resumed. The exit code is the worst of the days': 1 failed,
            4 cancelled (the catch-up stops there), 3 locked, 2 completed with failures, 0 completed.
            """)
    @OptionGroup var db: DatabaseOptions
    @OptionGroup var broker: BrokerOptions
    @Option(help: "Predict the days after this date YYYY-MM-DD (default: after the latest completed run's day).")
    var since: String?
    @OptionGroup var settings: RunSettingsOptions
    @OptionGroup var metrics: MetricsOptions

    func run() async throws {
        await AppConfiguration.load(db.configuration)
        bootstrapLogging()
        var start: Day?
        if let since {
            guard let d = Day(iso: since) else { fail("--since '\(RawText.display(since, limit: 40))' is not YYYY-MM-DD", code: 64) }
            start = d
        }
        // The request's date is replaced by each day caught up.
        let o = try await onOwnThread {  // the market may be looked up in the database
            settings.options(asOf: start ?? Day(daysSinceEpoch: 0), db: db, broker: broker)
        }
        let logger = Logger(label: "closebell.coordinator")
        try await launch({ CatchUp(options: o, since: start, logger: logger) }, metrics: metrics, logger: logger)
    }
}
