import ClosebellCoordinator
import ClosebellStorage
import Testing

@Suite("Ingest progress and summary lines")
struct IngestProgressTests {
    @Test("the progress line gives files, rows/s and the ETA; the summary the totals")
    func lines() {
        var p = IngestProgress(totalFiles: 400)
        #expect(p.etaSeconds == nil)
        #expect(!p.line.contains("ETA"))
        for i in 0..<100 {
            p.add(IngestReport(file: "nepse_\(i).csv", outcome: i == 0 ? .replaced : .loaded, loaded: 1_000, rejected: 2,
                               flagged: 1, error: nil))
        }
        p.add(IngestReport(file: "bad.csv", outcome: .failed, loaded: 0, rejected: 0, flagged: 0, error: "bad header"))
        p.add(IngestReport(file: "same.csv", outcome: .unchanged, loaded: 0, rejected: 0, flagged: 0, error: nil))
        p.seconds = 2
        #expect(p.files == 102 && p.loaded == 100_000 && p.failed == 1 && p.unchanged == 1 && p.replaced == 1)
        #expect(p.rowsPerSecond == 50_100)
        #expect(p.line == "102/400 files, 100000 rows loaded (50100 rows/s), ETA 6 s")
        #expect(p.summary.hasPrefix("ingested 400 files: 100000 rows loaded, 200 rejected, 100 flagged, 1 unchanged, 1 failed"))
        #expect(!p.summary.contains("keys"))
        p.keysSeconds = 0.5
        #expect(p.summary.hasSuffix("in 2.00 s (50100 rows/s); 0.50 s of it building ohlcv's keys"))
    }
}
