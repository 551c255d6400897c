import ArgumentParser
import ClosebellCoordinator
import ClosebellCore
import ClosebellProtocol
import ClosebellStorage
import Foundation
import Logging

/// `coordinator ingest`: daily files into PostgreSQL.
struct Ingest: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Load daily CSV files (or folders of them) into PostgreSQL; rejects and anomalies are kept. Re-ingesting is a no-op.")
    @OptionGroup var db: DatabaseOptions
    @Flag(help: "Reject rows with inconsistent prices instead of flagging them.") var strict = false
    @Argument(help: "Daily files or folders.") var paths: [String]

    func run() async throws {
        await AppConfiguration.load(db.configuration)
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
        let store = MarketStore(db: conn)
        var loaded = 0, rejected = 0, flagged = 0, failedFiles = 0, unchanged = 0
        for f in files {
            do {
                let r = try store.ingest(path: f, parser: DailyFileParser(strict: strict))
                print(r.line)
                loaded += r.loaded; rejected += r.rejected; flagged += r.flagged
                if r.outcome == .failed { failedFiles += 1 }
                if r.outcome == .unchanged { unchanged += 1 }
            } catch {
                print("\(DailyFileName.baseName(f)): FAILED: \(error)")
                failedFiles += 1
            }
        }
        print("ingested \(files.count) files: \(loaded) rows loaded, \(rejected) rejected, \(flagged) flagged, \(unchanged) unchanged, \(failedFiles) failed")
        if failedFiles > 0 { throw ExitCode(2) }
    }
}
