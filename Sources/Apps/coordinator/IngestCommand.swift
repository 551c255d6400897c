import ArgumentParser
import ClosebellCoordinator
import ClosebellCore
import ClosebellProtocol
import ClosebellRuntime
import ClosebellStorage
import Foundation
import Logging

/// `coordinator ingest`: daily files into PostgreSQL.
struct Ingest: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Load daily CSV files (or folders of them) into PostgreSQL; rejects and anomalies are kept. Re-ingesting is a no-op.")
    @OptionGroup var db: DatabaseOptions
    @Flag(help: "Reject rows with flagged problems (bad Open/High/Low/Volume, prices outside [Low, High]) instead of loading them.")
    var strict = false
    @Flag(name: .shortAndLong, help: "A line for every file (default: only for failed, replaced or rejecting files, or when there are few).")
    var verbose = false
    @Option(help: "Rows per transaction (default 250000).") var batchRows: Int?
    @Option(help: ArgumentHelp("Drop ohlcv's indexes for the load and rebuild them, in one transaction: true or false "
                                + "(default: when the new files hold at least a million rows and more than the table)."))
    var rebuildIndexes: Bool?
    @Argument(help: "Daily files or folders.") var paths: [String]

    func run() async throws {
        await AppConfiguration.load(db.configuration)
        bootstrapLogging()
        try await onOwnThread { try ingest() }
    }

    /// Ingests the files (blocking: reads them, loads them into the database).
    func ingest() throws {
        let conn: PGConnection
        do { conn = try db.connect(); _ = try Migrator.migrate(conn) } catch { fail("\(error)") }
        let files: [String]
        do {
            let scan = try DailyFiles.scan(paths)
            files = scan.files
            for s in scan.skipped { print("\(DailyFileName.baseName(s.path)): skipped: \(s.reason)") }
            if files.isEmpty {
                fail("no daily files in \(paths.joined(separator: " ")) (\(scan.skipped.count) other files skipped): "
                     + "expected <market>_YYYYMMDD.csv")
            }
        } catch { fail("\(error)") }
        var options = IngestOptions(strict: strict)
        if let batchRows {
            guard batchRows > 0 else { fail("--batch-rows \(batchRows): must be more than 0", code: 64) }
            options.batchRows = batchRows
        }
        options.rebuildIndexes = rebuildIndexes
        let logger = Logger(label: "closebell.ingest")
        let every = verbose || files.count <= 20
        let terminal = isatty(STDERR_FILENO) == 1
        var lastShown = Date(), lastLogged = Date()
        let result: IngestProgress
        var reports: [IngestReport] = []
        do {
            result = try BulkIngest(db: conn, options: options, logger: logger).run(files, report: { r in
                reports.append(r)
                if every || r.outcome == .failed || r.outcome == .replaced || r.rejected > 0 {
                    if terminal { FileHandle.standardError.write(Data("\r\u{1B}[K".utf8)) }
                    print(r.line)
                }
            }, progress: { p in
                if terminal && Date().timeIntervalSince(lastShown) >= 0.5 {
                    lastShown = Date()
                    FileHandle.standardError.write(Data("\r\u{1B}[Kingest: \(p.line)".utf8))
                }
                if Date().timeIntervalSince(lastLogged) >= 5 {
                    lastLogged = Date()
                    if terminal { FileHandle.standardError.write(Data("\r\u{1B}[K".utf8)) }
                    logger.info("ingest progress: \(p.line)")
                }
            })
        } catch { fail("\(error)") }
        if terminal { FileHandle.standardError.write(Data("\r\u{1B}[K".utf8)) }
        print(result.summary)
        OutcomeRefresh(db: conn, followUp: AppConfiguration.followUp).afterIngest(reports)
        if result.failed > 0 { throw ExitCode(2) }
    }
}
