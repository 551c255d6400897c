import ClosebellCore
import ClosebellStorage
import Foundation
import Testing

/// A backfill applies results on two connections at once (`SecondConnection`): the two
/// transactions must neither deadlock (failure and skip rows hold KEY SHARE locks on the run's
/// row) nor lose each other's chunks in the run's counts.
@Suite("Results applied on two connections at once", .serialized,
       .enabled(if: TestServers.databaseShouldRun, TestServers.databaseSkipReason))
struct ParallelApplyTests {
    @Test("two batches of the same run, applied together, count every entry exactly once")
    func twoConnections() throws {
        try TestServers.withFreshDatabase { url in
            let a = try PGConnection(url), b = try PGConnection(url)
            defer { a.close(); b.close() }
            for round in 0..<12 {
                let day = Day(iso: "2025-01-05")!.adding(days: round)  // one active run per day
                let chunks = (0..<8).map { c in (0..<5).map { "R\(round)C\(c)S\($0)" } }
                let id = try RunLedger(db: a).createRun(market: "nepse", asOf: day, chunks: chunks, config: "{}",
                                                        parent: nil, coordinator: "test")
                @Sendable func batch(_ parity: Int) -> [ResultInput] {
                    chunks.indices.filter { $0 % 2 == parity }.map { c in
                        let s = chunks[c]
                        return ResultInput(
                            runId: id, chunkNo: c, worker: "w\(parity)", computeMillis: 1,
                            predictions: s[0..<3].map {
                                PredictionRow(symbol: $0, day: day, target: day.adding(days: 1), value: 0.5, kind: "linear",
                                              path: nil, hash: nil, fallback: false)
                            },
                            failures: [FailureRow(symbol: s[3], day: day, stage: "features", error: "test")],
                            skips: [SkipRow(symbol: s[4], day: day, reason: "test")])
                    }
                }
                let start = DispatchSemaphore(value: 0), done = DispatchSemaphore(value: 0)
                nonisolated(unsafe) var errors: [String] = []
                let lock = NSLock()
                for (conn, parity) in [(a, 0), (b, 1)] {
                    nonisolated(unsafe) let c = conn
                    Thread.detachNewThread {
                        start.wait()
                        do {
                            let outcomes = try RunLedger(db: c).applyBatch(taken: [], results: batch(parity)) { _, _ in
                                nil
                            }
                            if outcomes.contains(where: { if case .applied = $0 { false } else { true } }) {
                                lock.withLock { errors.append("not applied: \(outcomes)") }
                            }
                        } catch {
                            lock.withLock { errors.append("\(error)") }
                        }
                        done.signal()
                    }
                }
                start.signal(); start.signal()
                done.wait(); done.wait()
                #expect(errors.isEmpty, "round \(round): \(errors)")
                let r = try RunLedger(db: a).run(id)!
                #expect(r.processed == 40 && r.succeeded == 24 && r.failed == 8 && r.skipped == 8,
                        "round \(round): \(r)")
            }
        }
    }
}
