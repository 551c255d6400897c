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
                try ledger.apply(runId: run, chunkNo: 0, worker: "w", computeMillis: 1,
                                 predictions: Self.rows(symbols, value, on: day), failures: []) { _ in nil }
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

    @Test("results applied in one transaction write only their own rows, after one the server refused and one upserted")
    func severalInOneTransaction() throws {
        try TestServers.withFreshDatabase { url in
            let db = try PGConnection(url)
            defer { db.close() }
            let ledger = RunLedger(db: db)
            let day = Day(iso: "2025-03-03")!
            func result(_ run: Int64, _ chunk: Int, _ symbols: [String], _ value: Double) -> ResultInput {
                ResultInput(runId: run, chunkNo: chunk, worker: "w", computeMillis: 1,
                            predictions: Self.rows(symbols, value, on: day), failures: [], skips: [])
            }
            // An earlier run predicted C: chunk 2's plain INSERT stops at it and the upsert takes over.
            let earlier = try ledger.createRun(market: "nepse", asOf: day, chunks: [["C"]], config: "{}",
                                               parent: nil, coordinator: "test")
            _ = try ledger.applyBatch(taken: [], results: [result(earlier, 0, ["C"], 0.125)]) { _, _ in nil }
            _ = try ledger.finish(earlier)
            let run = try ledger.createRun(market: "nepse", asOf: day, chunks: [["A", "B"], ["X"], ["C", "D"], ["E"]],
                                           config: "{}", parent: nil, coordinator: "test")
            // Chunk 1 holds the same row twice: the server refuses it after its COPY.
            let outcomes = try ledger.applyBatch(taken: [], results: [
                result(run, 0, ["A", "B"], 0.25), result(run, 1, ["X", "X"], 0.5),
                result(run, 2, ["C", "D"], 0.75), result(run, 3, ["E"], 1.5),
            ]) { _, _ in nil }
            #expect(outcomes[0] == .applied(succeeded: 2, failed: 0, skipped: 0))
            guard case .rejected = outcomes[1] else { Issue.record("chunk 1: \(outcomes[1])"); return }
            #expect(outcomes[2] == .applied(succeeded: 2, failed: 0, skipped: 0))
            #expect(outcomes[3] == .applied(succeeded: 1, failed: 0, skipped: 0))
            let rows = try db.query("""
                SELECT symbol, predicted_return, run_id, chunk_no FROM predictions ORDER BY symbol
                """).rows.map { $0.map { $0 ?? "-" } }
            let r = String(run)
            #expect(rows == [["A", "0.25", r, "0"], ["B", "0.25", r, "0"], ["C", "0.75", r, "2"],
                             ["D", "0.75", r, "2"], ["E", "1.5", r, "3"]], "\(rows)")
        }
    }

    /// A linear model's prediction of `value` for each of `symbols` on `day`, for the next day.
    static func rows(_ symbols: [String], _ value: Double, on day: Day) -> [PredictionRow] {
        symbols.map {
            PredictionRow(symbol: $0, day: day, target: day.adding(days: 1), value: value,
                          kind: "linear", path: nil, hash: nil, fallback: false)
        }
    }
}
