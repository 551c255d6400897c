import Foundation
import ClosebellCore
import ClosebellStorage

/// `coordinator export`: the `predictions` rows of a date range (optionally of some symbols or
/// one market) streamed from PostgreSQL's binary COPY into CSV or Parquet, never held whole.
public struct PredictionExport: Sendable {
    /// Every column of `predictions`, under its SQL name, in table order.
    public static let columns: [ExportColumn] = [
        .init("symbol", .text), .init("as_of_date", .date), .init("target_date", .date), .init("predicted_return", .double),
        .init("model_kind", .text), .init("model_path", .text, nullable: true), .init("model_hash", .text, nullable: true),
        .init("is_fallback", .bool), .init("run_id", .int64), .init("chunk_no", .int32, nullable: true),
        .init("predicted_at", .timestamp), .init("market", .text),
    ]

    public let from: Day
    public let to: Day
    public let symbols: [String]?
    public let market: String?

    public init(from: Day, to: Day, symbols: [String]? = nil, market: String? = nil) {
        self.from = from
        self.to = to
        self.symbols = symbols
        self.market = market
    }

    /// The COPY statement (COPY takes no parameters: values are quoted by libpq).
    func copySQL(_ db: PGConnection) throws -> String {
        var conditions = ["as_of_date BETWEEN '\(from)' AND '\(to)'"]
        if let symbols {
            conditions.append("symbol IN (\(try symbols.map { try db.literal($0) }.joined(separator: ", ")))")
        }
        if let market { conditions.append("market = \(try db.literal(market))") }
        let names = Self.columns.map(\.name).joined(separator: ", ")
        return "COPY (SELECT \(names) FROM predictions WHERE \(conditions.joined(separator: " AND "))) TO STDOUT (FORMAT binary)"
    }

    /// Streams the rows into `writer` and finishes it; returns the number of rows.
    @discardableResult
    public func run(_ db: PGConnection, into writer: inout some ExportWriter) throws -> Int {
        var reader = PGBinaryCopyReader()
        try db.copyOut(try copySQL(db)) { block in
            try reader.feed(block) { row in
                guard row.count == Self.columns.count else {
                    throw PGBinaryCopyReader.FormatError(
                        description: "a row of \(row.count) fields, expected \(Self.columns.count)")
                }
                try writer.write(row)
            }
        }
        guard reader.finished else { throw PGBinaryCopyReader.FormatError(description: "the COPY stream ended early") }
        try writer.finish()
        return reader.rows
    }

    /// Writes the rows to `path` (`-`: standard output; CSV only) in `format` and closes it;
    /// returns the number of rows. A failed export removes the partial file.
    @discardableResult
    public func write(_ db: PGConnection, format: ExportFormat, to path: String,
                      rowGroupSize: Int = ParquetFileWriter.defaultRowsPerGroup) throws -> Int {
        do {
            let sink = try ExportOutput(path: path)
            let rows: Int
            switch format {
            case .csv:
                var w = try CSVExportWriter(columns: Self.columns, out: sink)
                rows = try run(db, into: &w)
            case .parquet:
                var w = try ParquetFileWriter(columns: Self.columns, out: sink, rowsPerGroup: rowGroupSize)
                rows = try run(db, into: &w)
            }
            try sink.close()
            return rows
        } catch {
            if path != "-" { try? FileManager.default.removeItem(atPath: path) }
            throw error
        }
    }
}
