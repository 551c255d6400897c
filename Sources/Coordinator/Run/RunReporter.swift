import ClosebellStorage
import Foundation

/// A run's voice: timestamped progress lines on stdout and in the per-run log file
/// (`<log dir>/run-<id>.log`), and the closing summary.
final class RunReporter {
    private let printToStdout: Bool
    private let logDirectory: String?
    private var logFile: FileHandle?
    private let timestampFormatter = ISO8601DateFormatter()

    init(printToStdout: Bool, logDirectory: String?) {
        self.printToStdout = printToStdout
        self.logDirectory = logDirectory
    }

    /// Starts (or continues, when a run is resumed) the run's log file.
    func openLog(runId: Int64) {
        guard let dir = logDirectory else { return }
        try? FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let path = (dir as NSString).appendingPathComponent("run-\(runId).log")
        if !FileManager.default.fileExists(atPath: path) { _ = FileManager.default.createFile(atPath: path, contents: nil) }
        logFile = FileHandle(forWritingAtPath: path)
        logFile?.seekToEndOfFile()
    }

    func say(_ line: String) {
        let stamped = Data("\(timestampFormatter.string(from: Date())) \(line)\n".utf8)
        if printToStdout { FileHandle.standardOutput.write(stamped) }
        logFile?.write(stamped)
    }

    /// One progress line: counts, throughput since this process started, ETA.
    func progress(_ r: RunRecord, since started: Date, processedAtStart: Int) {
        let secs = Date().timeIntervalSince(started)
        let rate = Double(r.processed - processedAtStart) / max(secs, 1e-9)
        let eta = rate > 0 ? String(format: "%.1fs", Double(r.total - r.processed) / rate) : "?"
        say(String(format: "run %lld: %d/%d symbols (%.1f%%), %d ok, %d failed, %d skipped, %.0f symbols/s, ETA %@",
                   r.id, r.processed, r.total, r.progress, r.succeeded, r.failed, r.skipped, rate, eta))
    }

    /// The closing summary: status, counts, time and symbols/s.
    func summary(_ r: RunRecord, seconds: Double, processedAtStart: Int) {
        say(String(format: "run %lld %@: %@ — %d symbols, %d succeeded, %d failed, %d skipped, %.2fs, %.0f symbols/s",
                   r.id, r.asOf.description, r.status.rawValue, r.total, r.succeeded, r.failed, r.skipped, seconds,
                   Double(r.processed - processedAtStart) / max(seconds, 1e-9)))
        if let e = r.error { say("run \(r.id) error: \(e)") }
    }

    func close() {
        try? logFile?.close()
        logFile = nil
    }
}
