import ClosebellCoordinator
import Testing

@Suite("Run planning")
struct RunPlanTests {
    @Test("chosen chunk size: up to four per worker of 250 symbols or more, at most 1,000; a backfill ~10,000 entries")
    func chosenChunkSize() {
        #expect(RunPlan.chunkSize(symbols: 10_000, consumers: 2) == 1_000)
        #expect(RunPlan.chunkSize(symbols: 10_000, consumers: 8) == 313)
        #expect(RunPlan.chunkSize(symbols: 300, consumers: 2) == 150)  // one chunk per worker, one round
        #expect(RunPlan.chunkSize(symbols: 600, consumers: 2) == 300)
        #expect(RunPlan.chunkSize(symbols: 2_000, consumers: 2) == 250)  // four per worker
        #expect(RunPlan.chunkSize(symbols: 40, consumers: 3) == 40)  // one economical chunk
        #expect(RunPlan.chunkSize(symbols: 600, consumers: 50) == 200)  // three, not fifty
        #expect(RunPlan.chunkSize(symbols: 1, consumers: 2) == 1)
        #expect(RunPlan.chunkSize(symbols: 0, consumers: 2) == 1)
        #expect(RunPlan.chunkSize(symbols: 10_000, consumers: nil) == 1_000)
        #expect(RunPlan.chunkSize(symbols: 10_000, daysPerSymbol: 250, consumers: 2) == 40)
        #expect(RunPlan.chunkSize(symbols: 3, daysPerSymbol: 250, consumers: 2) == 1)
    }

    @Test("chunks hold each symbol once, sorted, at most the chunk size")
    func chunks() {
        let c = RunPlan.chunks(["b", "a", "c", "a", "d"], chunkSize: 3)
        #expect(c == [["a", "b", "c"], ["d"]])
    }
}
