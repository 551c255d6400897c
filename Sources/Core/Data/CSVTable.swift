import Foundation

/// A small CSV reader for tables with a header (feature files): comma-separated, optional
/// double quotes around fields, `""` inside quotes for a quote.
public struct CSVTable: Sendable {
    public let header: [String]
    public let rows: [[String]]

    public init(header: [String], rows: [[String]]) {
        self.header = header
        self.rows = rows
    }

    public static func read(path: String) throws -> CSVTable {
        guard let data = FileManager.default.contents(atPath: path), let text = String(data: data, encoding: .utf8) else {
            throw DataFileError(file: path, line: nil, reason: "cannot read file")
        }
        var lines = text.split(omittingEmptySubsequences: false, whereSeparator: { $0 == "\n" || $0 == "\r\n" }).map { $0.hasSuffix("\r") ? $0.dropLast() : $0 }
        while let l = lines.last, l.trimmingCharacters(in: .whitespaces).isEmpty { lines.removeLast() }
        guard let first = lines.first else { throw DataFileError(file: path, line: 1, reason: "empty file: no header") }
        let header = split(first)
        var rows: [[String]] = []
        for (i, l) in lines.dropFirst().enumerated() {
            if l.trimmingCharacters(in: .whitespaces).isEmpty { continue }
            let r = split(l)
            guard r.count == header.count else {
                throw DataFileError(file: path, line: i + 2, reason: "expected \(header.count) fields, got \(r.count)")
            }
            rows.append(r)
        }
        return CSVTable(header: header, rows: rows)
    }

    static func split(_ line: Substring) -> [String] {
        guard line.contains("\"") else { return line.split(separator: ",", omittingEmptySubsequences: false).map(String.init) }
        var out: [String] = [], cur = "", quoted = false
        var it = line.makeIterator()
        var pending: Character? = nil
        while let c = pending ?? it.next() {
            pending = nil
            if quoted {
                if c == "\"" {
                    if let n = it.next() { if n == "\"" { cur.append("\"") } else { quoted = false; pending = n } } else { quoted = false }
                } else { cur.append(c) }
            } else if c == "\"" { quoted = true } else if c == "," { out.append(cur); cur = "" } else { cur.append(c) }
        }
        out.append(cur)
        return out
    }

    /// A field for output: quoted only when it must be.
    public static func escape(_ s: String) -> String {
        guard s.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" }) else { return s }
        return "\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
}

/// Writes CSV text to a file in large blocks.
public final class CSVWriter {
    private let handle: FileHandle
    private var buffer = ""

    public init(path: String) throws {
        guard FileManager.default.createFile(atPath: path, contents: nil), let h = FileHandle(forWritingAtPath: path) else {
            throw DataFileError(file: path, line: nil, reason: "cannot create output file")
        }
        handle = h
    }

    public func row(_ fields: [String]) {
        buffer += fields.map(CSVTable.escape).joined(separator: ",")
        buffer += "\n"
        if buffer.utf8.count > 1 << 20 { flush() }
    }

    public func flush() {
        handle.write(Data(buffer.utf8))
        buffer = ""
    }

    public func close() {
        flush()
        try? handle.close()
    }

    /// Full precision for a double (shortest round-trip form), `NaN` for NaN.
    public static func number(_ v: Double) -> String { v.isNaN ? "NaN" : "\(v)" }
}
