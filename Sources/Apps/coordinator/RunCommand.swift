import ArgumentParser
import ClosebellCoordinator
import ClosebellCore
import ClosebellProtocol
import ClosebellRuntime
import ClosebellStorage
import Foundation
import Logging
import ServiceLifecycle

/// `coordinator run`: one date across the workers.
struct RunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Predict one date across the workers and aggregate into PostgreSQL.",
        discussion: """
            Exit codes: 0 completed, 2 completed with failures, 1 failed (also: no data for the date, \
            broker unreachable), 3 another coordinator holds the date, 4 cancelled, 64 bad usage. \
            An unfinished run for the date is resumed with its original settings, not restarted.
            """)
    @OptionGroup var db: DatabaseOptions
    @OptionGroup var broker: BrokerOptions
    @Option(help: "As-of date YYYY-MM-DD.") var date: String
    @Option(help: "Only these symbols (comma-separated).") var symbols: String?
    @Flag(help: "Only symbols without a prediction for the date.") var onlyUnpredicted = false
    @OptionGroup var settings: RunSettingsOptions
    @Option(help: "Retry of this run (set by `retry`).") var parentRun: Int64?
    @OptionGroup var metrics: MetricsOptions

    func run() async throws {
        await AppConfiguration.load(db.configuration)
        bootstrapLogging()
        guard let day = Day(iso: date) else { fail("--date '\(RawText.display(date, limit: 40))' is not YYYY-MM-DD", code: 64) }
        let o = try await onOwnThread {  // the market may be looked up in the database
            settings.options(asOf: day, db: db, broker: broker) { request in
                request.symbols = symbols.map {
                    $0.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
                }
                request.onlyUnpredicted = onlyUnpredicted
                request.parentRunId = parentRun
            }
        }
        try await launch(o, metrics: metrics)
    }
}

/// A folder as an absolute, standardised path (the form workers and results name it by).
func absolutePath(_ path: String) -> String {
    URL(fileURLWithPath: path, relativeTo: URL(fileURLWithPath: FileManager.default.currentDirectoryPath, isDirectory: true))
        .standardizedFileURL.path
}

/// The market to run: the flag's, else the only one with data (`nepse` when there is none yet).
/// The connection it opened to look is handed to the run (its lock connection).
func chooseMarket(_ flag: String?, databaseURL: String) -> (market: String, handOff: PGConnectionHandOff?) {
    if let flag { return (flag, nil) }
    guard let c = try? PGConnection(databaseURL) else { return ("nepse", nil) }
    let markets = (try? MarketStore(db: c).markets()) ?? []  // no schema yet: no market yet
    do { return (try RunRequest.onlyMarket(of: markets) ?? "nepse", PGConnectionHandOff(c)) } catch {
        c.close()
        fail("\(error)", code: 64)
    }
}
