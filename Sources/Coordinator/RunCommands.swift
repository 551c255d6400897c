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
        do { files = try DailyFiles.list(paths) } catch { fail("\(error)") }
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
                print("\((f as NSString).lastPathComponent): FAILED: \(error)")
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
            Exit codes: 0 completed, 2 completed with failures, 1 failed, 3 another coordinator holds
            the date, 4 cancelled. An unfinished run for the date is resumed, not restarted.
            """)
    @OptionGroup var db: DatabaseOptions
    @OptionGroup var broker: BrokerOptions
    @Option(help: "As-of date YYYY-MM-DD.") var date: String
    @Option(help: "Only these symbols (comma-separated).") var symbols: String?
    @Flag(help: "Only symbols without a prediction for the date.") var onlyUnpredicted = false
    @Option(help: "Symbols per chunk.") var chunkSize = 50
    @Option(help: "Model store folder, as the workers see it (default: $CLOSEBELL_MODELS or ./models).") var models: String?
    @Option(help: "Seconds without a result before a chunk is published again.") var timeout = 120.0
    @Option(help: "Attempts per chunk before its symbols are failed.") var maxAttempts = 3
    @Option(help: "Seconds before the first retry of a failed chunk (doubling each attempt, at most 60).") var backoff = 1.0
    @Option(help: "Folder for per-run log files (default: $CLOSEBELL_LOG_DIR or ./logs).") var logDir: String?
    @Option(help: "Retry of this run (set by `retry`).") var parentRun: Int64?

    func run() throws {
        bootstrapLogging()
        guard let day = Day(iso: date) else { fail("--date '\(date)' is not YYYY-MM-DD", code: 64) }
        var o = RunOptions(asOf: day, modelStore: models ?? Settings.env("CLOSEBELL_MODELS") ?? "models",
                           databaseURL: Settings.databaseURL(db.databaseURL), amqpURL: broker.url(), topology: broker.topology)
        o.symbols = symbols.map { $0.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty } }
        o.onlyUnpredicted = onlyUnpredicted
        o.chunkSize = chunkSize
        o.timeoutSeconds = timeout
        o.maxAttempts = maxAttempts
        o.backoffSeconds = backoff
        o.logDirectory = logDir ?? Settings.env("CLOSEBELL_LOG_DIR") ?? "logs"
        o.parentRunId = parentRun
        o.modelStore = (o.modelStore as NSString).isAbsolutePath ? o.modelStore
            : FileManager.default.currentDirectoryPath + "/" + o.modelStore
        do {
            let (exit, _) = try RunCoordinator(options: o).run()
            if exit != .completed { throw ExitCode(exit.rawValue) }
        } catch let e as ExitCode {
            throw e
        } catch {
            fail("\(error)")
        }
    }
}

struct Retry: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Run again only the failed symbols of a finished run (a new run, linked to it).")
    @OptionGroup var db: DatabaseOptions
    @OptionGroup var broker: BrokerOptions
    @Argument(help: "Run id.") var runId: Int64
    @Option(help: "Model store folder (default: the run's own).") var models: String?
    @Option(help: "Symbols per chunk.") var chunkSize = 50

    func run() throws {
        let conn: PGConnection
        do { conn = try db.connect() } catch { fail("\(error)") }
        let ledger = RunLedger(db: conn)
        guard let r = try ledger.run(runId) else { fail("no run \(runId)") }
        guard r.isFinished else { fail("run \(runId) is \(r.status); only a finished run can be retried") }
        let failed = try ledger.failedSymbols(runId)
        guard !failed.isEmpty else { print("run \(runId) has no failed symbols; nothing to retry"); return }
        let store = models ?? ((try? JSONSerialization.jsonObject(with: Data(r.config.utf8))) as? [String: Any])?["model_store"] as? String
        conn.close()
        print("retrying \(failed.count) failed symbols of run \(runId) (\(r.asOf))")
        var args = ["--date", r.asOf.description, "--symbols", failed.joined(separator: ","), "--parent-run", String(runId), "--chunk-size", String(chunkSize)]
        if let store { args += ["--models", store] }
        if let u = db.databaseURL { args += ["--database-url", u] }
        if let u = broker.amqpURL { args += ["--amqp-url", u] }
        if let p = broker.topologyPrefix { args += ["--topology-prefix", p] }
        if let l = broker.deliveryLimit { args += ["--delivery-limit", String(l)] }
        let cmd = try RunCommand.parse(args)
        try cmd.run()
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
            let status = try RunLedger(db: conn).run(runId)?.status ?? "unknown"
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
            print("run \(r.id)  date \(r.asOf)  \(r.status)  \(String(format: "%.1f", r.progress))%  \(r.processed)/\(r.total) processed, \(r.succeeded) ok, \(r.failed) failed")
            print("  started \(r.startedAt ?? "-")  finished \(r.finishedAt ?? "-")\(r.parentRunId.map { "  retry of run \($0)" } ?? "")")
            if let m = r.message { print("  \(m)") }
            if let e = r.error { print("  error: \(e)") }
            let chunks = try ledger.chunks(runId)
            let byStatus = Dictionary(grouping: chunks, by: \.status).mapValues(\.count)
            print("  chunks: " + byStatus.sorted { $0.key < $1.key }.map { "\($0.value) \($0.key)" }.joined(separator: ", "))
            for c in chunks where c.status != "done" || c.attempts > 1 {
                print("    chunk \(c.chunkNo): \(c.status), \(c.attempts) attempt(s), \(c.symbols.count) symbols\(c.worker.map { ", worker \($0)" } ?? "")\(c.lastError.map { ", last error: \($0)" } ?? "")")
            }
            let fails = try conn.query("SELECT symbol, stage, error FROM symbol_failures WHERE run_id = $1 ORDER BY symbol LIMIT 20", [Int(runId)])
            for f in fails.rows { print("    failed \(f[0]!) at \(f[1]!): \(f[2]!)") }
        } else {
            print("run  date        status                   progress  total  ok     failed  started")
            for r in try ledger.recentRuns() {
                print(pad(String(r.id), 4) + " " + r.asOf.description + "  " + pad(r.status, 24) + " "
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
