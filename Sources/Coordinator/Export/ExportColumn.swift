import ClosebellStorage

/// What `coordinator export` writes.
public enum ExportFormat: String, CaseIterable, Sendable {
    case csv, parquet
}

/// A column of an export: its SQL name, its type and whether it may be NULL.
public struct ExportColumn: Sendable, Equatable {
    /// The PostgreSQL types an export carries, and what each becomes in CSV and Parquet.
    public enum Kind: Sendable, Equatable {
        /// `text`: UTF-8 text; Parquet BYTE_ARRAY (STRING).
        case text
        /// `date`: YYYY-MM-DD; Parquet INT32 (DATE).
        case date
        /// `double precision`: shortest round-trip decimal; Parquet DOUBLE.
        case double
        /// `boolean`: true / false; Parquet BOOLEAN.
        case bool
        /// `integer`: Parquet INT32.
        case int32
        /// `bigint`: Parquet INT64.
        case int64
        /// `timestamptz`: ISO 8601 in UTC with microseconds; Parquet INT64 (TIMESTAMP, micros, UTC).
        case timestamp
    }

    public let name: String
    public let kind: Kind
    public let nullable: Bool

    public init(_ name: String, _ kind: Kind, nullable: Bool = false) {
        self.name = name
        self.kind = kind
        self.nullable = nullable
    }
}

/// Where exported rows go: CSV or Parquet, one row at a time, fields as PostgreSQL sent them.
public protocol ExportWriter {
    /// Writes one row (fields in the columns' order).
    mutating func write(_ row: PGBinaryRow) throws
    /// Writes what is buffered and the file's end (Parquet's footer).
    mutating func finish() throws
}
