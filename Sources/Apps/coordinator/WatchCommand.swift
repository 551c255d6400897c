import ArgumentParser
import ClosebellCoordinator
import ClosebellCore
import ClosebellRuntime
import Foundation
import Logging

/// `coordinator watch`: a resident coordinator that ingests and predicts each day as its file lands.
struct WatchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "watch",
        abstract: "Ingest daily files as they land in a folder and predict each new day at once "
            + "(a resident coordinator).",
        discussion: """
            Instead of cron's `ingest` then `run`: a file is taken as soon as it is closed after writing or \
            renamed into the folder (write it under another name, e.g. .part, then rename it), ingested, and \
            its day run on connections kept open across days, so a day pays no process start or handshake. \
            On start, and every --rescan seconds, the folder is rescanned: files that landed while the \
            watcher was down, or on a file system inotify cannot see, are taken then; unchanged files are \
            no-ops; days whose run failed are tried again. Days ingested by other means are left to \
            `catch-up`. SIGTERM stops it between files; a run in progress stays open for a later `run`.
            """)
    @OptionGroup var db: DatabaseOptions
    @OptionGroup var broker: BrokerOptions
    @Option(help: "Folder the daily files land in.") var inbox: String
    @Flag(help: "Reject rows with flagged problems instead of loading them (as `ingest --strict`).") var strict = false
    @Option(help: "Seconds between full rescans of the folder (default 60).") var rescan: Double = 60
    @OptionGroup var settings: RunSettingsOptions
    @OptionGroup var metrics: MetricsOptions

    func run() async throws {
        await AppConfiguration.load(db.configuration)
        bootstrapLogging()
        guard rescan.isFinite, rescan >= 1 else { fail("--rescan \(rescan): must be at least 1 second", code: 64) }
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: inbox, isDirectory: &isDir), isDir.boolValue else {
            fail("--inbox \(inbox): no such folder", code: 64)
        }
        let run = settings.options(asOf: Day(daysSinceEpoch: 0), db: db, broker: broker, perFile: true)
        var o = DailyWatchOptions(inbox: absolutePath(inbox), run: run)
        let configured = AppConfiguration.settings.market
        o.market = settings.market ?? (configured.isEmpty ? nil : configured)
        o.ingest = IngestOptions(strict: strict)
        o.rescanInterval = .milliseconds(Int64(rescan * 1000))
        let options = o
        let logger = Logger(label: "closebell.watch")
        try await launch({ DailyWatch(options: options, logger: logger) }, metrics: metrics, logger: logger)
    }
}
