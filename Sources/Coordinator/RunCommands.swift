import ArgumentParser
import ClosebellCoordinator
import ClosebellCore
import ClosebellProtocol
import ClosebellStorage
import Foundation
import Logging

/// Options for subcommands that talk to the broker.
struct BrokerOptions: ParsableArguments {
    @Option(name: .customLong("amqp-url"), help: "Broker URL (default: $CLOSEBELL_AMQP_URL).") var amqpURL: String?
    @Option(help: "Name prefix of exchanges and queues (default: $CLOSEBELL_TOPOLOGY_PREFIX or closebell).") var topologyPrefix: String?
    @Option(help: "Redeliveries before the broker dead-letters a chunk (default: $CLOSEBELL_DELIVERY_LIMIT or 5).") var deliveryLimit: Int?

    func url() -> AMQPURL {
        do { return try AMQPURL(Settings.amqpURL(amqpURL)) } catch { fail("\(error)") }
    }

    var topology: ClosebellTopology {
        ClosebellTopology(prefix: topologyPrefix ?? Settings.env("CLOSEBELL_TOPOLOGY_PREFIX") ?? "closebell",
                          deliveryLimit: deliveryLimit ?? Settings.env("CLOSEBELL_DELIVERY_LIMIT").flatMap { Int($0) } ?? 5)
    }
}

func bootstrapLogging(_ level: String = "info") {
    LoggingSystem.bootstrap { label in
        var h = StreamLogHandler.standardError(label: label)
        h.logLevel = Logger.Level(rawValue: level) ?? .info
        return h
    }
}

struct Ingest: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Load daily CSV files (or folders of them) into PostgreSQL; rejects and anomalies are kept. Re-ingesting is a no-op.")
    @OptionGroup var db: DatabaseOptions
    @Flag(help: "Reject rows with inconsistent prices instead of flagging them.") var strict = false
    @Argument(help: "Daily files or folders.") var paths: [String]

    func run() throws {
        let conn: PGConnection
        do { conn = try db.connect(); _ = try Migrator.migrate(conn) } catch { fail("\(error)") }
        let files: [String]
        do {
            let scan = try DailyFiles.scan(paths)
            files = scan.files
            for s in scan.skipped { print("\(DailyFileName.baseName(s.path)): skipped: \(s.reason)") }
            if files.isEmpty {
                fail("no daily files in \(paths.joined(separator: " ")) (\(scan.skipped.count) other files skipped): "
                     + "expected <market>_YYYYMMDD.csv")
            }
        } catch { fail("\(error)") }
        let store = MarketStore(db: conn)
        var loaded = 0, rejected = 0, flagged = 0, failedFiles = 0, unchanged = 0
        for f in files {
            do {
                let r = try store.ingest(path: f, parser: DailyFileParser(strict: strict))
                print(r.line)
                loaded += r.loaded; rejected += r.rejected; flagged += r.flagged
                if r.outcome == .failed { failedFiles += 1 }
                if r.outcome == .unchanged { unchanged += 1 }
            } catch {
                print("\(DailyFileName.baseName(f)): FAILED: \(error)")
                failedFiles += 1
            }
        }
        print("ingested \(files.count) files: \(loaded) rows loaded, \(rejected) rejected, \(flagged) flagged, \(unchanged) unchanged, \(failedFiles) failed")
        if failedFiles > 0 { throw ExitCode(2) }
    }
}

struct RunCommand: ParsableCommand {
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
    @Option(help: "Market (daily-file prefix); default: the only market ingested, else $CLOSEBELL_MARKET.") var market: String?
    @Option(help: "Only these symbols (comma-separated).") var symbols: String?
    @Flag(help: "Only symbols without a prediction for the date.") var onlyUnpredicted = false
    @Option(help: "Symbols per chunk.") var chunkSize = 50
    @Option(help: "Model store folder, as the workers see it (default: $CLOSEBELL_MODELS or ./models).") var models: String?
    @Flag(help: "Predict with the fallback only: no model store is expected.") var fallbackOnly = false
    @Option(help: "Seconds a worker may hold a chunk before it is published again.") var timeout = 120.0
    @Option(help: "Attempts per chunk before its symbols are failed.") var maxAttempts = 3
    @Option(help: "Seconds before the first retry of a failed chunk (doubling each attempt, at most 60).") var backoff = 1.0
    @Option(help: "Seconds to keep trying an unreachable broker before the run is marked failed.") var brokerTimeout = 120.0
    @Option(help: "Folder for per-run log files (default: $CLOSEBELL_LOG_DIR or ./logs).") var logDir: String?
    @Option(help: "Retry of this run (set by `retry`).") var parentRun: Int64?

    func run() throws {
        bootstrapLogging()
        guard let day = Day(iso: date) else { fail("--date '\(RawText.display(date, limit: 40))' is not YYYY-MM-DD", code: 64) }
        guard brokerTimeout.isFinite, brokerTimeout > 0 else { fail("--broker-timeout \(brokerTimeout): must be more than 0", code: 64) }
        let databaseURL = Settings.databaseURL(db.databaseURL)
        let store = absolutePath(models ?? Settings.env("CLOSEBELL_MODELS") ?? "models")
        var request = RunRequest(market: chooseMarket(market, databaseURL: databaseURL), asOf: day, modelStore: store)
        request.symbols = symbols.map { $0.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty } }
        request.onlyUnpredicted = onlyUnpredicted
        request.chunkSize = chunkSize
        request.fallbackOnly = fallbackOnly
        request.timeoutSeconds = timeout
        request.maxAttempts = maxAttempts
        request.backoffSeconds = backoff
        request.parentRunId = parentRun
        do { try request.validate() } catch { fail("\(error)", code: 64) }
        var o = RunOptions(request: request, databaseURL: databaseURL, amqpURL: broker.url(), topology: broker.topology)
        o.logDirectory = logDir ?? Settings.env("CLOSEBELL_LOG_DIR") ?? "logs"
        o.brokerGiveUpSeconds = brokerTimeout
        do {
            let (exit, _) = try RunCoordinator(options: o).run()
            if exit != .completed { throw ExitCode(exit.rawValue) }
        } catch let e as ExitCode {
            throw e
        } catch let e as RunRequestError {
            fail(e.description, code: 64)
        } catch {
            fail("\(error)")
        }
    }
}

/// A folder as an absolute, standardised path (the form workers and results name it by).
func absolutePath(_ path: String) -> String {
    URL(fileURLWithPath: path, relativeTo: URL(fileURLWithPath: FileManager.default.currentDirectoryPath, isDirectory: true))
        .standardizedFileURL.path
}

/// The market a command works on: the flag, else the only market with data, else $CLOSEBELL_MARKET.
func chooseMarket(_ flag: String?, databaseURL: String) -> String {
    if let flag { return flag }
    let markets = (try? { () throws -> [String] in
        let c = try PGConnection(databaseURL)
        defer { c.close() }
        try Migrator.migrate(c)
        return try MarketStore(db: c).markets()
    }()) ?? []
    if markets.count == 1 { return markets[0] }
    if let env = Settings.env("CLOSEBELL_MARKET") { return env }
    if markets.count > 1 { fail("several markets have data (\(markets.joined(separator: ", "))): choose one with --market", code: 64) }
    return "nepse"
}

struct Retry: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run again the failed symbols of a finished run, and those a cancel left unprocessed (a new run, linked to it).")
    @OptionGroup var db: DatabaseOptions
    @OptionGroup var broker: BrokerOptions
    @Argument(help: "Run id.") var runId: Int64
    @Option(help: "Model store folder (default: the run's own).") var models: String?
    @Option(help: "Symbols per chunk (default: the run's own).") var chunkSize: Int?
    @Option(help: "Folder for per-run log files (default: $CLOSEBELL_LOG_DIR or ./logs).") var logDir: String?

    func run() throws {
        bootstrapLogging()
        let conn: PGConnection
        do { conn = try db.connect(); try Migrator.migrate(conn) } catch { fail("\(error)") }
        let ledger = RunLedger(db: conn)
        guard let r = try ledger.run(runId) else { fail("no run \(runId)") }
        guard r.isFinished else { fail("run \(runId) is \(r.status); only a finished run can be retried") }
        guard var request = RunRequest.stored(r.config) else { fail("run \(runId) has no readable request to retry") }
        let (failed, unprocessed) = try ledger.retrySymbols(runId)
        conn.close()
        let symbols = Array(Set(failed + unprocessed)).sorted()
        guard !symbols.isEmpty else { print("run \(runId) has no failed or unprocessed symbols; nothing to retry"); return }
        print("retrying run \(runId) (\(r.market) \(r.asOf)): \(failed.count) failed and \(unprocessed.count) unprocessed symbols")
        request.symbols = symbols
        request.onlyUnpredicted = false
        request.parentRunId = runId
        if let models { request.modelStore = absolutePath(models) }
        if let chunkSize { request.chunkSize = chunkSize }
        do { try request.validate() } catch { fail("\(error)", code: 64) }
        var o = RunOptions(request: request, databaseURL: Settings.databaseURL(db.databaseURL), amqpURL: broker.url(),
                           topology: broker.topology)
        o.logDirectory = logDir ?? Settings.env("CLOSEBELL_LOG_DIR") ?? "logs"
        do {
            let (exit, _) = try RunCoordinator(options: o).run()
            if exit != .completed { throw ExitCode(exit.rawValue) }
        } catch let e as ExitCode {
            throw e
        } catch let e as RunRequestError {
            fail(e.description, code: 64)
        } catch {
            fail("\(error)")
        }
    }
}

struct Cancel: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Cancel a run: open chunks are cancelled, workers skip them, the run ends `cancelled`.")
    @OptionGroup var db: DatabaseOptions
    @OptionGroup var broker: BrokerOptions
    @Argument(help: "Run id.") var runId: Int64

    func run() throws {
        let conn: PGConnection
        do { conn = try db.connect() } catch { fail("\(error)") }
        guard try RunLedger(db: conn).cancel(runId) else {
            let status = try RunLedger(db: conn).run(runId)?.status.rawValue ?? "unknown"
            fail("run \(runId) is \(status); nothing to cancel")
        }
        do {
            let t = broker.topology
            let c = try AMQPConnection(url: broker.url())
            try t.topology.declare(on: c)
            try c.enableConfirms(channel: 2)
            try c.publish(channel: 2, exchange: t.controlExchange, routingKey: "", body: CancelMessage(runId: runId).encode(),
                          properties: .init(type: WireFormat.Kind.cancel.typeName), mandatory: false)
            try c.waitForConfirms(channel: 2)
        } catch {
            print("warning: run \(runId) is cancelled in the ledger, but workers could not be told: \(error)")
        }
        print("run \(runId) cancelled")
    }
}

struct Status: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Runs (or one run's chunks) and queue depth: ready / unacked / consumers.")
    @OptionGroup var db: DatabaseOptions
    @OptionGroup var broker: BrokerOptions
    @Argument(help: "Run id (default: the latest runs).") var runId: Int64?

    func run() throws {
        let conn: PGConnection
        do { conn = try db.connect(); _ = try Migrator.migrate(conn) } catch { fail("\(error)") }
        let ledger = RunLedger(db: conn)
        if let runId {
            guard let r = try ledger.run(runId) else { fail("no run \(runId)") }
            print("run \(r.id)  \(r.market) \(r.asOf)  \(r.status)  \(String(format: "%.1f", r.progress))%  \(r.processed)/\(r.total) processed, \(r.succeeded) ok, \(r.failed) failed, \(r.skipped) skipped")
            print("  started \(r.startedAt ?? "-")  finished \(r.finishedAt ?? "-")\(r.parentRunId.map { "  retry of run \($0)" } ?? "")")
            if let m = r.message { print("  \(m)") }
            if let e = r.error { print("  error: \(e)") }
            let chunks = try ledger.chunks(runId)
            let byStatus = Dictionary(grouping: chunks, by: \.status.rawValue).mapValues(\.count)
            print("  chunks: " + byStatus.sorted { $0.key < $1.key }.map { "\($0.value) \($0.key)" }.joined(separator: ", "))
            for c in chunks where c.status != .done || c.attempts > 1 {
                print("    chunk \(c.chunkNo): \(c.status), \(c.attempts) attempt(s), \(c.symbols.count) symbols\(c.worker.map { ", worker \($0)" } ?? "")\(c.lastError.map { ", last error: \($0)" } ?? "")")
            }
            let fails = try conn.query("SELECT symbol, stage, error FROM symbol_failures WHERE run_id = $1 ORDER BY symbol LIMIT 20", [Int(runId)])
            for f in fails.rows { print("    failed \(f[0]!) at \(f[1]!): \(f[2]!)") }
            let skips = try conn.query("SELECT symbol, reason FROM symbol_skips WHERE run_id = $1 ORDER BY symbol LIMIT 20", [Int(runId)])
            for k in skips.rows { print("    skipped \(k[0]!): \(k[1]!)") }
        } else {
            print("run  date        status                   progress  total  ok     failed  started")
            for r in try ledger.recentRuns() {
                print(pad(String(r.id), 4) + " " + r.asOf.description + "  " + pad(r.status.rawValue, 24) + " "
                      + String(format: "%6.1f%%  %6d %6d %6d  ", r.progress, r.total, r.succeeded, r.failed) + (r.startedAt ?? "-"))
            }
        }
        let t = broker.topology
        do {
            let stats = try QueueMonitor(amqpURL: broker.url(), managementURL: Settings.env("CLOSEBELL_MANAGEMENT_URL")).stats(t.watchedQueues)
            print("queue                          ready   unacked  consumers")
            for s in stats {
                print(pad(s.name, 30) + " " + String(format: "%6d  ", s.ready) + pad(s.unacked.map(String.init) ?? "?", 8, right: true)
                      + String(format: "  %9d", s.consumers))
            }
        } catch {
            print("queues: broker unreachable: \(error)")
        }
    }
}

/// Pads text to a column width.
func pad(_ s: String, _ width: Int, right: Bool = false) -> String {
    let fill = String(repeating: " ", count: max(0, width - s.count))
    return right ? fill + s : s + fill
}
