import ClosebellCore
import ClosebellStorage
import Foundation
import Logging

/// A ``BulkIngest`` of the daily files under some paths, shown as `coordinator ingest` shows it:
/// skipped files named, a line per file (every file when asked or when there are few, else only
/// those that failed, replaced rows or rejected some), progress on a terminal every half second
/// and in the log every five seconds, then the summary. `coordinator catch-up --ingest` shows
/// its ingest the same way.
public struct IngestConsole {
    /// What an ingest ends with: the totals, and each file's report (in the order loaded).
    public struct Outcome: Sendable {
        public var progress: IngestProgress
        public var reports: [IngestReport]
    }

    let db: PGConnection
    let options: IngestOptions
    /// A line for every file, however many.
    let verbose: Bool
    let logger: Logger
    /// Where lines go (standard output for the commands).
    let say: (String) -> Void
    /// Asked before each batch: true stops the ingest there (``IngestStopped``).
    let stop: () -> Bool

    /// Files up to this many get a line each without `verbose`.
    static let fewFiles = 20

    public init(db: PGConnection, options: IngestOptions, verbose: Bool = false,
                logger: Logger = Logger(label: "closebell.ingest"), say: @escaping (String) -> Void = { print($0) },
                stop: @escaping () -> Bool = { false }) {
        self.db = db
        self.options = options
        self.verbose = verbose
        self.logger = logger
        self.say = say
        self.stop = stop
    }

    /// The daily files under `paths`, skipped ones named. Throws ``DataFileError`` for a path that
    /// does not exist, ``NoDailyFiles`` when nothing under the paths is a daily file.
    public func files(_ paths: [String]) throws -> [String] {
        let scan = try DailyFiles.scan(paths)
        for s in scan.skipped { say("\(DailyFileName.baseName(s.path)): skipped: \(s.reason)") }
        guard !scan.files.isEmpty else { throw NoDailyFiles(paths: paths, skipped: scan.skipped.count) }
        return scan.files
    }

    /// Ingests `files` (from ``files(_:)``) and prints the summary.
    public func run(_ files: [String]) throws -> Outcome {
        var committed: [IngestReport] = []
        return try run(files, committed: &committed)
    }

    /// ``run(_:)``, with the reports of the files committed so far in `committed`, also when it
    /// throws (the server lost mid-ingest): what was loaded before still gets its follow-up.
    public func run(_ files: [String], committed: inout [IngestReport]) throws -> Outcome {
        let every = verbose || files.count <= Self.fewFiles
        let terminal = isatty(STDERR_FILENO) == 1
        let clear = { if terminal { FileHandle.standardError.write(Data("\r\u{1B}[K".utf8)) } }
        var lastShown = Date(), lastLogged = Date()
        var reports: [IngestReport] = []
        defer { committed = reports }
        let progress = try BulkIngest(db: db, options: options, logger: logger, stop: stop).run(files, report: { r in
            reports.append(r)
            if every || r.outcome == .failed || r.outcome == .replaced || r.rejected > 0 {
                clear()
                say(r.line)
            }
        }, progress: { p in
            if terminal && Date().timeIntervalSince(lastShown) >= 0.5 {
                lastShown = Date()
                FileHandle.standardError.write(Data("\r\u{1B}[Kingest: \(p.line)".utf8))
            }
            if Date().timeIntervalSince(lastLogged) >= 5 {
                lastLogged = Date()
                clear()
                logger.info("ingest progress: \(p.line)")
            }
        })
        clear()
        say(progress.summary)
        return Outcome(progress: progress, reports: reports)
    }
}

/// Nothing under the paths given to an ingest is a daily file.
public struct NoDailyFiles: Error, CustomStringConvertible {
    public var paths: [String]
    /// Other files found there.
    public var skipped: Int

    public var description: String {
        "no daily files in \(paths.joined(separator: " ")) (\(skipped) other files skipped): "
            + "expected <market>_YYYYMMDD.csv"
    }
}
