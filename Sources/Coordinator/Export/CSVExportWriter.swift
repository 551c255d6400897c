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
            case .date: appendDate(row.date(i)!, column: i)
            case .double: line.append(contentsOf: row.float8(i)!.description.utf8)
            case .bool: line.append(contentsOf: row.bool(i)! ? Self.trueBytes : Self.falseBytes)
            case .int32: Self.appendInt(Int64(row.int32(i)!), to: &line)
            case .int64: Self.appendInt(row.int64(i)!, to: &line)
            case .timestamp: appendTimestamp(row.timestampMicros(i)!)
            }
        }
        line.append(0x0D); line.append(0x0A)
        try line.withUnsafeBytes { try out.write($0) }
    }

    static let trueBytes = Array("true".utf8), falseBytes = Array("false".utf8)
    /// Per column, the last date written, formatted (rows of a day come together); the last second.
    var lastDay: [Int: (Int32, [UInt8])] = [:]
    var lastSecond: (Int64, [UInt8])?

    /// YYYY-MM-DD.
    mutating func appendDate(_ days: Int32, column: Int) {
        if let (d, text) = lastDay[column], d == days { line.append(contentsOf: text); return }
        var text: [UInt8] = []
        let p = Day(daysSinceEpoch: days).parts
        Self.appendDigits(p.year, 4, to: &text); text.append(UInt8(ascii: "-"))
        Self.appendDigits(p.month, 2, to: &text); text.append(UInt8(ascii: "-"))
        Self.appendDigits(p.day, 2, to: &text)
        lastDay[column] = (days, text)
        line.append(contentsOf: text)
    }

    /// `2026-11-22T07:38:00.123456Z` (UTC).
    mutating func appendTimestamp(_ micros: Int64) {
        let (q, r) = micros.quotientAndRemainder(dividingBy: 1_000_000)
        let (second, us) = r < 0 ? (q - 1, r + 1_000_000) : (q, r)
        if lastSecond?.0 != second {
            var text: [UInt8] = []
            let (days, s) = second.quotientAndRemainder(dividingBy: 86_400)
            let (day, secs) = s < 0 ? (days - 1, s + 86_400) : (days, s)
            let p = Day(daysSinceEpoch: Int32(day)).parts
            Self.appendDigits(p.year, 4, to: &text); text.append(UInt8(ascii: "-"))
            Self.appendDigits(p.month, 2, to: &text); text.append(UInt8(ascii: "-"))
            Self.appendDigits(p.day, 2, to: &text); text.append(UInt8(ascii: "T"))
            Self.appendDigits(Int(secs / 3600), 2, to: &text); text.append(UInt8(ascii: ":"))
            Self.appendDigits(Int(secs / 60 % 60), 2, to: &text); text.append(UInt8(ascii: ":"))
            Self.appendDigits(Int(secs % 60), 2, to: &text); text.append(UInt8(ascii: "."))
            lastSecond = (second, text)
        }
        line.append(contentsOf: lastSecond!.1)
        Self.appendDigits(Int(us), 6, to: &line)
        line.append(UInt8(ascii: "Z"))
    }

    /// `v` (≥ 0) in exactly `width` digits, zero-padded (wider values keep all their digits).
    static func appendDigits(_ v: Int, _ width: Int, to out: inout [UInt8]) {
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 20) { buf in
            var x = v.magnitude, k = 20
            repeat { k -= 1; buf[k] = UInt8(ascii: "0") &+ UInt8(truncatingIfNeeded: x % 10); x /= 10 } while x > 0
            while 20 - k < width { k -= 1; buf[k] = UInt8(ascii: "0") }
            out.append(contentsOf: UnsafeBufferPointer(rebasing: buf[k..<20]))
        }
    }

    static func appendInt(_ v: Int64, to out: inout [UInt8]) {
        if v < 0 {
            out.append(UInt8(ascii: "-"))
            if v == .min { out.append(contentsOf: "9223372036854775808".utf8); return }
        }
        appendDigits(Int(v.magnitude), 1, to: &out)
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
}
