import ClosebellCore
import ClosebellStorage
import Foundation
import Testing

/// A cancel that arrives while a result is being applied waits for it and then cancels the rest;
/// taking the run's row before the chunks, as it once did, it deadlocked with the apply (seen in
/// the chaos matrix's cancel-retry case: `coordinator cancel` failed with 40P01).
@Suite("Cancel while a result is applied", .serialized,
       .enabled(if: TestServers.databaseShouldRun, TestServers.databaseSkipReason))
struct CancelLockOrderTests {
    @Test("the apply holds its chunk and recounts the run; the cancel waits, neither deadlocks")
    func cancelDuringApply() throws {
        try TestServers.withFreshDatabase { url in
            let a = try PGConnection(url), b = try PGConnection(url)
            defer { a.close(); b.close() }
            let day = Day(iso: "2025-01-06")!
            let id = try RunLedger(db: a).createRun(market: "nepse", asOf: day, chunks: [["A"], ["B"], ["C"], ["D"]],
                                                    config: "{}", parent: nil, coordinator: "test")
            // As an apply of chunk 2 does: its chunk's row first...
            try a.execute("BEGIN")
            try a.query("SELECT 1 FROM chunks WHERE run_id = $1 AND chunk_no = 2 FOR UPDATE OF chunks", [Int(id)])
            let done = DispatchSemaphore(value: 0)
            let outcome = CancelOutcome()
            nonisolated(unsafe) let other = b
            Thread.detachNewThread {
                do { outcome.set(try RunLedger(db: other).cancel(id) ? "cancelled" : "finished") } catch {
                    outcome.set("\(error)")
                }
                done.signal()
            }
            Thread.sleep(forTimeInterval: 0.3)  // the cancel is waiting now
            // ...then the run's row, to recount it; held past deadlock_timeout, were it a cycle.
            var recount = "ok"
            do { try RunLedger(db: a).refreshCounts(id) } catch { recount = "\(error)" }
            Thread.sleep(forTimeInterval: 1.2)
            try? a.execute(recount == "ok" ? "COMMIT" : "ROLLBACK")
            done.wait()
            #expect(recount == "ok")
            #expect(outcome.value == "cancelled")
            #expect(try RunLedger(db: a).run(id)?.status == .cancelled)
        }
    }
}

/// What the cancelling thread saw.
final class CancelOutcome: @unchecked Sendable {
    private let lock = NSLock()
    private var stored = ""
    func set(_ v: String) { lock.withLock { stored = v } }
    var value: String { lock.withLock { stored } }
}
