import ClosebellCore
import ClosebellStorage
import Foundation
import Logging

/// What `coordinator catch-up --ingest` loads before it chooses its days: the daily job in one
/// process, as a resident `coordinator watch` does it — the files first, then every day no run
/// completed, then the outcomes the files complete (target dates, accuracy, alerts) once the
/// day's predictions are committed, off the path the analysts wait on.
public struct CatchUpIngest: Sendable {
    /// Daily files, or folders of them.
    public var paths: [String]
    /// As `coordinator ingest` takes them (`--strict`, `--batch-rows`, `--rebuild-indexes`).
    public var options: IngestOptions
    /// A line for every file, however many (`--verbose`).
    public var verbose: Bool

    public init(paths: [String], options: IngestOptions = IngestOptions(), verbose: Bool = false) {
        self.paths = paths
        self.options = options
        self.verbose = verbose
    }
}

extension CatchUp {
    /// An ingest done before the days: the exit `coordinator ingest` would have given, and what
    /// the outcome refresh after the runs needs.
    struct Ingested {
        var exit = RunExit.completed
        var db: PGConnection?
        var reports: [IngestReport] = []
    }

    /// Loads the files, printing what `coordinator ingest` prints. Never throws: whatever goes
    /// wrong is printed and becomes the exit `ingest` gives for it (1: no files there, a server
    /// away; 2: some file was rejected), and the days are caught up all the same — nothing
    /// valid waits for something invalid.
    func ingestFirst(_ ingest: CatchUpIngest) -> Ingested {
        var out = Ingested()
        var committed: [IngestReport] = []
        do {
            let db = try PGConnection(options.databaseURL)
            try Migrator.migrate(db)
            out.db = db
            let console = IngestConsole(db: db, options: ingest.options, verbose: ingest.verbose,
                                        stop: { self.stopRequested.load(ordering: .relaxed) })
            let done = try console.run(try console.files(ingest.paths), committed: &committed)
            if done.progress.failed > 0 { out.exit = .completedWithFailures }
        } catch {
            FileHandle.standardError.write(Data("error: ingest: \(error)\n".utf8))
            out.exit = .failed
        }
        out.reports = committed  // also when it was cut short: the files loaded still get their outcomes
        return out
    }

    /// After the runs: the outcomes the ingested files complete, on the ingest's connection (a
    /// new one if that was lost meanwhile). Never fails the catch-up.
    func refreshOutcomes(_ ingested: Ingested) {
        guard !ingested.reports.isEmpty else { return }
        var db = ingested.db
        if (try? db?.query("SELECT 1")) == nil { db = try? PGConnection(options.databaseURL) }
        guard let db else {
            let names = ingested.reports.map(\.file)
            let files = names.prefix(5).joined(separator: ", ") + (names.count > 5 ? " and \(names.count - 5) more" : "")
            logger.error("outcomes of the files ingested not brought up to date: PostgreSQL cannot be reached",
                         metadata: ["files": "\(files)"])
            return
        }
        OutcomeRefresh(db: db, followUp: options.followUp).afterIngest(ingested.reports)
    }

    /// Cron's exit for the whole job: the catch-up's, or the ingest's when the catch-up's is 0
    /// (as `ops/cron/closebell-daily` combined the two commands' codes).
    static func combined(catchUp: RunExit, ingest: RunExit) -> RunExit {
        catchUp == .completed ? ingest : catchUp
    }
}
