import ClosebellCore
import ClosebellStorage
import Foundation

/// RFC 4180 CSV: a header of the columns' SQL names, CRLF line ends, a field quoted when it holds
/// a comma, a quote, CR or LF (quotes doubled), NULL as an empty field. Doubles in their
/// shortest round-trip form, dates as YYYY-MM-DD, timestamps as ISO 8601 UTC with microseconds.
public struct CSVExportWriter: ExportWriter {
    let columns: [ExportColumn]
    let out: ExportOutput
    var line: [UInt8] = []

    public init(columns: [ExportColumn], out: ExportOutput) throws {
        self.columns = columns
        self.out = out
        try out.write(columns.map { CSVField.escape($0.name) }.joined(separator: ",") + "\r\n")
    }

    public mutating func write(_ row: PGBinaryRow) throws {
        line.removeAll(keepingCapacity: true)
        for (i, c) in columns.enumerated() {
            if i > 0 { line.append(UInt8(ascii: ",")) }
            if row.isNull(i) { continue }
            switch c.kind {
            case .text: Self.appendQuoted(row.raw(i)!, to: &line)
            case .date: line.append(contentsOf: Day(daysSinceEpoch: row.date(i)!).description.utf8)
            case .double: line.append(contentsOf: "\(row.float8(i)!)".utf8)
            case .bool: line.append(contentsOf: (row.bool(i)! ? "true" : "false").utf8)
            case .int32: line.append(contentsOf: String(row.int32(i)!).utf8)
            case .int64: line.append(contentsOf: String(row.int64(i)!).utf8)
            case .timestamp: line.append(contentsOf: Self.iso8601(micros: row.timestampMicros(i)!).utf8)
            }
        }
        line.append(0x0D); line.append(0x0A)
        try line.withUnsafeBytes { try out.write($0) }
    }

    public mutating func finish() throws { try out.flush() }

    static func appendQuoted(_ b: UnsafeRawBufferPointer, to line: inout [UInt8]) {
        let special = b.contains { $0 == UInt8(ascii: ",") || $0 == UInt8(ascii: "\"") || $0 == 0x0D || $0 == 0x0A }
        guard special else { line.append(contentsOf: b); return }
        line.append(UInt8(ascii: "\""))
        for c in b {
            line.append(c)
            if c == UInt8(ascii: "\"") { line.append(c) }
        }
        line.append(UInt8(ascii: "\""))
    }

    /// `2026-11-22T07:38:00.123456Z`.
    static func iso8601(micros: Int64) -> String {
        let (days, rest) = micros.quotientAndRemainder(dividingBy: 86_400_000_000)
        let (d, r) = rest < 0 ? (days - 1, rest + 86_400_000_000) : (days, rest)
        let s = r / 1_000_000, us = r % 1_000_000
        func pad(_ v: Int64, _ n: Int) -> String { let t = String(v); return String(repeating: "0", count: max(0, n - t.count)) + t }
        return "\(Day(daysSinceEpoch: Int32(d)))T\(pad(s / 3600, 2)):\(pad(s / 60 % 60, 2)):\(pad(s % 60, 2)).\(pad(us, 6))Z"
    }
}
