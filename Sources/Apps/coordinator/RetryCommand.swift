import ArgumentParser
import ClosebellCoordinator
import ClosebellCore
import ClosebellProtocol
import ClosebellRuntime
import ClosebellStorage
import Foundation
import Logging

/// `coordinator retry`: a new run of a finished run's failed and unprocessed symbols.
struct Retry: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run again the failed symbols of a finished run, and those a cancel left unprocessed (a new run, linked to it).")
    @OptionGroup var db: DatabaseOptions
    @OptionGroup var broker: BrokerOptions
    @Argument(help: "Run id.") var runId: Int64
    @Option(help: "Model store folder (default: the run's own).") var models: String?
    @Option(help: "Symbols per chunk (default: the run's own).") var chunkSize: Int?
    @Option(help: "Folder for per-run log files (default: $CLOSEBELL_LOG_DIR or ./logs).") var logDir: String?

    @Option(help: "Write the new run's id to this file once it is planned (the dashboard's retries use it).")
    var runIdFile: String?
    @OptionGroup var metrics: MetricsOptions

    func run() async throws {
        await AppConfiguration.load(db.configuration)
        bootstrapLogging()
        guard let o = try await onOwnThread({ try options() }) else { return }
        try await launch(o, metrics: metrics)
    }

    /// The retry's run: the finished run's request, for its failed and unprocessed symbols (nil:
    /// nothing to retry). Reads the ledger, so it runs off the cooperative pool.
    func options() throws -> RunOptions? {
        let conn: PGConnection
        do { conn = try db.connect(); try Migrator.migrate(conn) } catch { fail("\(error)") }
        let ledger = RunLedger(db: conn)
        guard let r = try ledger.run(runId) else { fail("no run \(runId)") }
        guard r.isFinished else { fail("run \(runId) is \(r.status); only a finished run can be retried") }
        guard var request = RunRequest.stored(r.config) else { fail("run \(runId) has no readable request to retry") }
        let (failed, unprocessed) = try ledger.retrySymbols(runId)
        conn.close()
        let symbols = Array(Set(failed + unprocessed)).sorted()
        guard !symbols.isEmpty else {
            print("run \(runId) has no failed or unprocessed symbols; nothing to retry")
            return nil
        }
        print("retrying run \(runId) (\(r.market) \(r.asOf)): \(failed.count) failed and \(unprocessed.count) unprocessed symbols")
        request.symbols = symbols
        request.onlyUnpredicted = false
        request.parentRunId = runId
        if let models { request.modelStore = absolutePath(models) }
        if let chunkSize { request.chunkSize = chunkSize }
        do { try request.validate() } catch { fail("\(error)", code: 64) }
        var o = RunOptions(request: request, databaseURL: db.url, amqpURL: broker.url(), topology: broker.topology)
        o.logDirectory = logDir ?? AppConfiguration.settings.logDir
        o.brokerGiveUpSeconds = AppConfiguration.settings.brokerTimeoutSeconds
        o.followUp = AppConfiguration.followUp
        o.runIdFile = runIdFile
        return o
    }
}
