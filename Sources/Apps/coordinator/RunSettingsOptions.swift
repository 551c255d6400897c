import ArgumentParser
import ClosebellCoordinator
import ClosebellCore
import ClosebellStorage
import Foundation

extension RunPriority: ExpressibleByArgument {}

/// The settings of the runs a command starts (`run`, `catch-up`), each defaulting to its setting.
struct RunSettingsOptions: ParsableArguments {
    @Option(help: "Market (daily-file prefix); default: setting market.name, else the only market ingested.") var market: String?
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
    @Option(help: "Folder where run and catch-up keep their windows for the next run (default: run.window_cache).")
    var windowCache: String?
    @Option(help: "normal or high: a high-priority run's chunks are taken by workers before any other's.")
    var priority: RunPriority = .normal
    @Option(help: "Write the run's id to this file once it is planned (the dashboard's launches use it).")
    var runIdFile: String?

    /// The options of a run of `day`, from these flags and the loaded settings. With
    /// `perFile`, each run's market comes from its daily file (`watch`): none is chosen here.
    func options(asOf day: Day, db: DatabaseOptions, broker: BrokerOptions, perFile: Bool = false,
                 adjust: (inout RunRequest) -> Void = { _ in }) -> RunOptions {
        let s = AppConfiguration.settings
        let giveUp = brokerTimeout ?? s.brokerTimeoutSeconds
        guard giveUp.isFinite, giveUp > 0 else { fail("--broker-timeout \(giveUp): must be more than 0", code: 64) }
        let databaseURL = db.url
        let flag = market ?? (s.market.isEmpty ? nil : s.market)
        let chosen: (market: String, handOff: PGConnectionHandOff?) =
            perFile ? (flag ?? "any", nil) : chooseMarket(flag, databaseURL: databaseURL)
        var request = RunRequest(market: chosen.market,
                                 asOf: day, modelStore: absolutePath(models ?? s.models))
        request.tradingWeekdays = s.tradingWeekdays
        request.chunkSize = chunkSize ?? s.chunkSize
        request.fallbackOnly = fallbackOnly
        request.timeoutSeconds = timeout ?? s.timeoutSeconds
        request.maxAttempts = maxAttempts ?? s.maxAttempts
        request.backoffSeconds = backoff ?? s.backoffSeconds
        request.priority = priority
        adjust(&request)
        do { try request.validate() } catch { fail("\(error)", code: 64) }
        var o = RunOptions(request: request, databaseURL: databaseURL, amqpURL: broker.url(), topology: broker.topology)
        o.logDirectory = logDir ?? s.logDir
        let cache = windowCache ?? s.windowCache
        o.windowCacheDirectory = cache.isEmpty ? nil : absolutePath(cache)
        o.brokerGiveUpSeconds = giveUp
        o.followUp = AppConfiguration.followUp
        o.runIdFile = runIdFile
        o.connectionHandOff = chosen.handOff
        return o
    }
}
