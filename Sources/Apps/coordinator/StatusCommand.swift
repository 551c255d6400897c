import ArgumentParser
import ClosebellCoordinator
import ClosebellCore
import ClosebellProtocol
import ClosebellRuntime
import ClosebellStorage
import Foundation
import Logging

/// `coordinator status`: runs, chunks and queue depth.
struct Status: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Runs (or one run's chunks) and queue depth: ready / unacked / consumers.")
    @OptionGroup var db: DatabaseOptions
    @OptionGroup var broker: BrokerOptions
    @Argument(help: "Run id (default: the latest runs).") var runId: Int64?

    func run() async throws {
        await AppConfiguration.load(db.configuration)
        try await onOwnThread { try report() }
    }

    /// The runs, or one run, and the queues (blocking: the database and the broker).
    func report() throws {
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
            let stats = try QueueMonitor(amqpURL: broker.url(), managementURL: ProcessInfo.processInfo.environment["CLOSEBELL_MANAGEMENT_URL"]).stats(t.watchedQueues)
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
