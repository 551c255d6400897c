import ArgumentParser
import ClosebellCoordinator
import ClosebellCore
import ClosebellRuntime
import ClosebellStorage
import Foundation

/// `coordinator ingest`: daily files into PostgreSQL.
struct Ingest: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Load daily CSV files (or folders of them) into PostgreSQL; rejects and anomalies are kept. Re-ingesting is a no-op.")
    @OptionGroup var db: DatabaseOptions
    @OptionGroup var flags: IngestFlags
    @Argument(help: "Daily files or folders.") var paths: [String]

    func run() async throws {
        await AppConfiguration.load(db.configuration)
        bootstrapLogging()
        try await onOwnThread { try ingest() }
    }

    /// Ingests the files (blocking: reads them, loads them into the database), then brings the
    /// outcomes they complete up to date.
    func ingest() throws {
        let options = flags.options
        let conn: PGConnection
        do { conn = try db.connect(); _ = try Migrator.migrate(conn) } catch { fail("\(error)") }
        let console = IngestConsole(db: conn, options: options, verbose: flags.verbose)
        let files: [String]
        do { files = try console.files(paths) } catch { fail("\(error)") }
        let done: IngestConsole.Outcome
        do { done = try console.run(files) } catch { fail("\(error)") }
        OutcomeRefresh(db: conn, followUp: AppConfiguration.followUp).afterIngest(done.reports)
        if done.progress.failed > 0 { throw ExitCode(2) }
    }
}
