import ArgumentParser
import ClosebellCoordinator
import ClosebellCore
import ClosebellProtocol
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
            Exit codes: 0 completed, 2 completed with failures, 1 failed (also: no data for the date,
            broker unreachable), 3 another coordinator holds the date, 4 cancelled, 64 bad usage.
            An unfinished run for the date is resumed with its original settings, not restarted.
            """)
    @OptionGroup var db: DatabaseOptions
    @OptionGroup var broker: BrokerOptions
    @Option(help: "As-of date YYYY-MM-DD.") var date: String
    @Option(help: "Market (daily-file prefix); default: setting market.name, else the only market ingested.") var market: String?
    @Option(help: "Only these symbols (comma-separated).") var symbols: String?
    @Flag(help: "Only symbols without a prediction for the date.") var onlyUnpredicted = false
    @Option(help: "Symbols per chunk (default: setting run.chunk_size).") var chunkSize: Int?
    @Option(help: "Model store folder, as the workers see it (default: setting models, $CLOSEBELL_MODELS).") var models: String?
    @Flag(help: "Predict with the fallback only: no model store is expected.") var fallbackOnly = false
    @Option(help: "Seconds a worker may hold a chunk before it is published again (default: setting run.timeout_seconds).")
    var timeout: Double?
    @Option(help: "Attempts per chunk before its symbols are failed (default: setting run.max_attempts).") var maxAttempts: Int?
    @Option(help: "Seconds before the first retry of a failed chunk, doubling, at most 60 (default: run.backoff_seconds).")
    var backoff: Double?
    @Option(help: "Seconds to keep trying an unreachable broker before the run fails (default: run.broker_timeout_seconds).")
    var brokerTimeout: Double?
    @Option(help: "Folder for per-run log files (default: setting log.dir, $CLOSEBELL_LOG_DIR).") var logDir: String?
    @Option(help: "Retry of this run (set by `retry`).") var parentRun: Int64?
    @OptionGroup var metrics: MetricsOptions

    func run() async throws {
        let s = await AppConfiguration.load(db.configuration).1
        bootstrapLogging()
        guard let day = Day(iso: date) else { fail("--date '\(RawText.display(date, limit: 40))' is not YYYY-MM-DD", code: 64) }
        let giveUp = brokerTimeout ?? s.brokerTimeoutSeconds
        guard giveUp.isFinite, giveUp > 0 else { fail("--broker-timeout \(giveUp): must be more than 0", code: 64) }
        let databaseURL = db.url
        let store = absolutePath(models ?? s.models)
        var request = RunRequest(market: chooseMarket(market ?? (s.market.isEmpty ? nil : s.market), databaseURL: databaseURL),
                                 asOf: day, modelStore: store)
        request.tradingWeekdays = s.tradingWeekdays
        request.symbols = symbols.map { $0.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty } }
        request.onlyUnpredicted = onlyUnpredicted
        request.chunkSize = chunkSize ?? s.chunkSize
        request.fallbackOnly = fallbackOnly
        request.timeoutSeconds = timeout ?? s.timeoutSeconds
        request.maxAttempts = maxAttempts ?? s.maxAttempts
        request.backoffSeconds = backoff ?? s.backoffSeconds
        request.parentRunId = parentRun
        do { try request.validate() } catch { fail("\(error)", code: 64) }
        var o = RunOptions(request: request, databaseURL: databaseURL, amqpURL: broker.url(), topology: broker.topology)
        o.logDirectory = logDir ?? s.logDir
        o.brokerGiveUpSeconds = giveUp
        try await launch(o, metrics: metrics)
    }
}

/// A folder as an absolute, standardised path (the form workers and results name it by).
func absolutePath(_ path: String) -> String {
    URL(fileURLWithPath: path, relativeTo: URL(fileURLWithPath: FileManager.default.currentDirectoryPath, isDirectory: true))
        .standardizedFileURL.path
}

/// The market a command works on: the flag or setting, else the only market with data, else nepse.
func chooseMarket(_ flag: String?, databaseURL: String) -> String {
    if let flag { return flag }
    let markets = (try? { () throws -> [String] in
        let c = try PGConnection(databaseURL)
        defer { c.close() }
        return try MarketStore(db: c).markets()  // no schema yet: no market yet
    }()) ?? []
    if markets.count == 1 { return markets[0] }
    if markets.count > 1 { fail("several markets have data (\(markets.joined(separator: ", "))): choose one with --market", code: 64) }
    return "nepse"
}
