import ClosebellCoordinator
import ClosebellCore
import ClosebellStorage
import Foundation
import Testing

/// An ingest that loses its server midway still hands back the files it committed before, so
/// `catch-up --ingest` brings their outcomes up to date (the next evening finds them unchanged).
@Suite("Ingest cut short: the files committed before are reported", .serialized,
       .enabled(if: TestServers.databaseShouldRun, TestServers.databaseSkipReason))
struct IngestInterruptedTests {
    /// A cluster, a second market's ten files to ingest (`dir`), and options giving each file a
    /// batch (and a transaction) of its own.
    func setUp() throws -> (c: Cluster, dir: String, options: IngestOptions) {
        let c = try Cluster(symbols: 5, days: 20)
        let dir = c.dir + "/bse"
        let paths = try SampleDataGenerator(symbols: 40, days: 10, seed: 7, market: "bse",
                                            calendar: .sundayToThursday).write(to: dir)
        #expect(paths.count == 10)
        var options = IngestOptions()
        options.batchRows = 16
        options.rebuildIndexes = false
        return (c, dir, options)
    }

    @Test("the connection is killed after the third file: the run throws, and the three are in `committed`")
    func committedBeforeTheLoss() throws {
        let (c, dir, options) = try setUp()
        let db = try c.db()
        defer { db.close() }
        let pid = try #require(try db.query("SELECT pg_backend_pid()").scalar)
        let admin = try c.db()
        defer { admin.close() }
        var lines = 0
        let console = IngestConsole(db: db, options: options, verbose: true, say: { line in
            guard line.hasPrefix("bse_") else { return }
            lines += 1
            if lines == 3 { _ = try? admin.query("SELECT pg_terminate_backend($1::int)", [pid]) }
        })
        var committed: [IngestReport] = []
        #expect(throws: (any Error).self) { try console.run(try console.files([dir]), committed: &committed) }
        #expect(committed.count == 3, "\(committed.map(\.file))")
        let recorded = try c.db().query("SELECT file_name FROM ingested_files WHERE market = 'bse' ORDER BY 1")
            .rows.map { $0[0]! }
        #expect(recorded == committed.map(\.file).sorted())
    }

    @Test("asked to stop (a signal) after the second file: it stops before the next batch, the two kept")
    func stoppedWhenAsked() throws {
        let (c, dir, options) = try setUp()
        let db = try c.db()
        defer { db.close() }
        var lines = 0
        let console = IngestConsole(db: db, options: options, verbose: true, say: { line in
            if line.hasPrefix("bse_") { lines += 1 }
        }, stop: { lines >= 2 })
        var committed: [IngestReport] = []
        #expect(throws: IngestStopped.self) { try console.run(try console.files([dir]), committed: &committed) }
        #expect(committed.count == 2)
        #expect(try c.count("SELECT count(*) FROM ingested_files WHERE market = 'bse'") == 2)
    }
}
