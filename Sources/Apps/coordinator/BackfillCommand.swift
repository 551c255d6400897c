import ArgumentParser
import ClosebellCoordinator
import ClosebellCore
import ClosebellRuntime
import Foundation

/// `coordinator backfill`: every trading day of a range, in one run.
struct BackfillCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "backfill",
        abstract: "Predict every trading day from --from through --to in one run, chunked by symbol.",
        discussion: """
            Each chunk carries its symbols' rows for the range plus the window before it; workers \
            predict each day from its own window, so every prediction equals the daily run's and \
            `worker predict --all-dates`'s for that day. Accounting is per (symbol, day). An \
            interrupted backfill is resumed by the same command; `cancel` and `retry` work as for \
            daily runs. Exit codes as `run`.
            """)
    @OptionGroup var db: DatabaseOptions
    @OptionGroup var broker: BrokerOptions
    @Option(help: "First day YYYY-MM-DD.") var from: String
    @Option(help: "Last day YYYY-MM-DD.") var to: String
    @Option(help: "Only these symbols (comma-separated).") var symbols: String?
    @Flag(help: "Only symbols with a day in the range that has no prediction yet.") var onlyUnpredicted = false
    @OptionGroup var settings: RunSettingsOptions
    @OptionGroup var metrics: MetricsOptions

    func run() async throws {
        await AppConfiguration.load(db.configuration)
        bootstrapLogging()
        guard let first = Day(iso: from) else { fail("--from '\(RawText.display(from, limit: 40))' is not YYYY-MM-DD", code: 64) }
        guard let last = Day(iso: to) else { fail("--to '\(RawText.display(to, limit: 40))' is not YYYY-MM-DD", code: 64) }
        let o = try await onOwnThread {  // the market may be looked up in the database
            settings.options(asOf: last, db: db, broker: broker) { request in
                request.firstDay = first
                request.symbols = symbols.map {
                    $0.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
                }
                request.onlyUnpredicted = onlyUnpredicted
            }
        }
        try await launch(o, metrics: metrics)
    }
}
