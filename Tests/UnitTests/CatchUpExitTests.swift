import Testing
@testable import ClosebellCoordinator

/// `catch-up --ingest`'s exit: the days' own (the worst of them) whenever it is not 0; the
/// ingest's (1: no files or a server away, 2: a file rejected) only when every day completed.
@Suite("catch-up --ingest: the exit cron sees")
struct CatchUpExitTests {
    @Test("a day's exit wins over the ingest's; the ingest's shows when every day completed")
    func combined() {
        let all: [RunExit] = [.completed, .failed, .completedWithFailures, .locked, .cancelled]
        for ingest in [RunExit.completed, .failed, .completedWithFailures] {
            #expect(CatchUp.combined(catchUp: .completed, ingest: ingest) == ingest)
            for day in all where day != .completed {
                #expect(CatchUp.combined(catchUp: day, ingest: ingest) == day, "day \(day), ingest \(ingest)")
            }
        }
    }
}
