import ArgumentParser
import ClosebellCoordinator
import ClosebellCore
import ClosebellRuntime
import ClosebellStorage
import Foundation

/// `coordinator export`: predictions of a date range to CSV or Parquet.
struct ExportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Export predictions of a date range to CSV (RFC 4180) or Parquet, streamed with bounded memory.",
        discussion: "Columns are the predictions table's, under their SQL names; rows come in storage order.")
    @OptionGroup var db: DatabaseOptions
    @Option(help: "First as-of date (YYYY-MM-DD).") var from: String
    @Option(help: "Last as-of date (YYYY-MM-DD).") var to: String
    @Option(help: "Only these symbols (comma-separated).") var symbols: String?
    @Option(help: "Only this market (file prefix).") var market: String?
    @Option(help: "csv or parquet.") var format: String = "csv"
    @Option(help: "Output file; - for standard output (CSV only).") var out: String
    @Option(help: "Parquet: rows per row group (memory holds one).") var rowGroupSize = ParquetFileWriter.defaultRowsPerGroup

    func run() async throws {
        guard let first = Day(iso: from) else { fail("--from '\(from)' is not a date (YYYY-MM-DD)") }
        guard let last = Day(iso: to) else { fail("--to '\(to)' is not a date (YYYY-MM-DD)") }
        guard first <= last else { fail("--from \(first) is after --to \(last)") }
        guard let output = ExportFormat(rawValue: format) else {
            fail("--format must be csv or parquet, not '\(format)'")
        }
        if output == .parquet && out == "-" { fail("Parquet goes to a file (--out FILE): its footer points back into it") }
        guard (1...10_000_000).contains(rowGroupSize) else { fail("--row-group-size \(rowGroupSize): use 1 to 10,000,000") }
        let list = symbols.map { $0.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty } }
        await AppConfiguration.load(db.configuration)
        try await onOwnThread {
            let conn: PGConnection
            do { conn = try db.connect(); _ = try Migrator.migrate(conn) } catch { fail("\(error)") }
            let export = PredictionExport(from: first, to: last, symbols: list, market: market)
            let started = Date()
            do {
                let rows = try export.write(conn, format: output, to: out, rowGroupSize: rowGroupSize)
                if out != "-" {
                    let s = Date().timeIntervalSince(started)
                    print("exported \(rows) predictions to \(out) (\(format), \(String(format: "%.2f", s)) s, "
                          + "\(Int(Double(rows) / max(s, 1e-9))) rows/s)")
                }
            } catch {
                fail("export failed: \(error)")
            }
        }
    }
}
