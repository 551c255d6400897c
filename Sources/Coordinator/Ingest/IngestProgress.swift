import ClosebellStorage
import Foundation

/// Where a bulk ingest stands: files and rows done, out of how many files.
public struct IngestProgress: Sendable {
    public var files = 0
    public var totalFiles = 0
    /// Rows loaded (new or replacing), rejected and flagged so far.
    public var loaded = 0
    public var rejected = 0
    public var flagged = 0
    public var unchanged = 0
    public var failed = 0
    public var replaced = 0
    /// Seconds since the ingest started.
    public var seconds = 0.0
    /// Of ``seconds``, those spent building `ohlcv`'s keys again after a load without them (0 when
    /// the keys were kept, see ``IngestOptions/rebuildIndexes``).
    public var keysSeconds = 0.0

    public init(totalFiles: Int) { self.totalFiles = totalFiles }

    public var rowsPerSecond: Double { seconds > 0 ? Double(loaded + rejected) / seconds : 0 }

    /// Seconds left at the pace so far, by files (nil before the first batch).
    public var etaSeconds: Double? {
        guard files > 0, seconds > 0 else { return nil }
        return seconds / Double(files) * Double(totalFiles - files)
    }

    /// One line: `1,200/4,378 files, 72,000 rows (510,000 rows/s), ETA 3 s`.
    public var line: String {
        let eta = etaSeconds.map { ", ETA \(Int($0.rounded(.up))) s" } ?? ""
        return "\(files)/\(totalFiles) files, \(loaded) rows loaded (\(Int(rowsPerSecond)) rows/s)\(eta)"
    }

    /// The closing summary.
    public var summary: String {
        "ingested \(totalFiles) files: \(loaded) rows loaded, \(rejected) rejected, \(flagged) flagged, "
            + "\(unchanged) unchanged, \(failed) failed"
            + String(format: " in %.2f s (%.0f rows/s)", seconds, rowsPerSecond)
            + (keysSeconds > 0 ? String(format: "; %.2f s of it building ohlcv's keys", keysSeconds) : "")
    }

    /// Counts one file's report.
    public mutating func add(_ r: IngestReport) {
        files += 1
        loaded += r.loaded; rejected += r.rejected; flagged += r.flagged
        switch r.outcome {
        case .unchanged: unchanged += 1
        case .failed: failed += 1
        case .replaced: replaced += 1
        case .loaded: break
        }
    }
}
