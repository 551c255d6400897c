import ClosebellCore
import ClosebellStorage
import Foundation
import Testing

/// Predictions go in by a plain INSERT and fall back to the upsert when some already exist
/// (``RunLedger`` `writePredictions`): both paths must leave one row per (market, symbol, day),
/// the newest run's.
@Suite("Writing predictions", .serialized,
       .enabled(if: TestServers.databaseShouldRun, TestServers.databaseSkipReason))
struct PredictionWriteTests {
    @Test("a result whose entries partly exist already is applied: the existing rows updated, the others added")
    func partlyExisting() throws {
        try TestServers.withFreshDatabase { url in
            let db = try PGConnection(url)
            defer { db.close() }
            let ledger = RunLedger(db: db)
            let day = Day(iso: "2025-03-03")!
            func apply(_ run: Int64, _ symbols: [String], _ value: Double) throws -> ResultOutcome {
                let rows = symbols.map {
                    PredictionRow(symbol: $0, day: day, target: day.adding(days: 1), value: value,
                                  kind: "linear", path: nil, hash: nil, fallback: false)
                }
                return try ledger.apply(runId: run, chunkNo: 0, worker: "w", computeMillis: 1, predictions: rows,
                                        failures: []) { _ in nil }
            }
            // A backfill-like first run predicts B and D; the second (other days' lock) predicts A–E.
            let first = try ledger.createRun(market: "nepse", asOf: day, chunks: [["B", "D"]], config: "{}",
                                             parent: nil, coordinator: "test")
            #expect(try apply(first, ["B", "D"], 0.1) == .applied(succeeded: 2, failed: 0, skipped: 0))
            _ = try ledger.finish(first)
            let second = try ledger.createRun(market: "nepse", asOf: day, chunks: [["A", "B", "C", "D", "E"]],
                                              config: "{}", parent: nil, coordinator: "test")
            #expect(try apply(second, ["A", "B", "C", "D", "E"], 0.2) == .applied(succeeded: 5, failed: 0, skipped: 0))
            let rows = try db.query("SELECT symbol, predicted_return, run_id FROM predictions ORDER BY symbol").rows
            #expect(rows.map { $0[0]! } == ["A", "B", "C", "D", "E"])
            #expect(rows.allSatisfy { $0[1] == "0.2" && $0[2] == String(second) }, "\(rows)")
            // Nothing of the failed plain INSERT is left behind, and the transaction went on.
            #expect(try db.query("SELECT status FROM chunks WHERE run_id = $1", [Int(second)]).scalar == "done")
        }
    }
}
