@testable import ClosebellCoordinator
import ClosebellCore
import ClosebellStorage
import Testing

/// How a batch of results is shared between the two connections that apply it.
@Suite("Results shared between two connections")
struct ApplySplitTests {
    func result(_ chunk: Int, entries: Int, run: Int64 = 1) -> ResultInput {
        let row = PredictionRow(symbol: "S", day: Day(daysSinceEpoch: 20_000), target: Day(daysSinceEpoch: 20_001),
                                value: 0, kind: "linear", path: nil, hash: nil, fallback: false)
        return ResultInput(runId: run, chunkNo: chunk, worker: "w", computeMillis: 1,
                           predictions: Array(repeating: row, count: entries), failures: [], skips: [])
    }

    func taken(_ chunk: Int, run: Int64 = 1) -> TakenInput { TakenInput(runId: run, chunkNo: chunk, attempt: 1, worker: "w") }

    @Test("equal results split evenly, whatever their chunk numbers")
    func even() {
        for chunks in [[0, 2, 4, 6], [1, 3, 5, 7], [0, 1, 2, 3], [10, 20, 30, 40]] {
            let s = ApplySplit(results: chunks.map { result($0, entries: 10_000) }, taken: [])
            #expect(s.resultThere.filter { $0 }.count == 2, "\(chunks)")
            #expect(s.splits)
        }
    }

    @Test("by weight: one heavy result against several light ones")
    func weighted() {
        let s = ApplySplit(results: [result(1, entries: 100), result(2, entries: 9_000), result(3, entries: 100),
                                     result(4, entries: 100)], taken: [])
        #expect(s.resultThere == [true, false, true, true])
    }

    @Test("one chunk's results and started reports stay on one side; one chunk alone does not split")
    func sameChunkTogether() {
        let s = ApplySplit(results: [result(5, entries: 50), result(6, entries: 50), result(5, entries: 50)],
                           taken: [taken(6), taken(5), taken(7, run: 2)])
        #expect(s.resultThere[0] == s.resultThere[2])
        #expect(s.resultThere[0] != s.resultThere[1])
        #expect(s.takenThere[0] == s.resultThere[1])
        #expect(s.takenThere[1] == s.resultThere[0])
        #expect(s.splits)
        #expect(!ApplySplit(results: [result(5, entries: 50), result(5, entries: 50)], taken: [taken(5)]).splits)
        #expect(!ApplySplit(results: [], taken: []).splits)
    }
}
