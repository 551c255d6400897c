import ClosebellStorage
import Foundation

/// How `coordinator accuracy` prints.
public enum ReportFormat: String, CaseIterable, Sendable {
    case table, csv, json
}

/// Renders accuracy rows: an aligned table for people, RFC 4180 CSV or JSON for programs. CSV and
/// JSON keep every digit (shortest round-trip form); the table rounds to 6 decimals.
public struct AccuracyReport {
    public let grouping: AccuracyGrouping
    public let rows: [AccuracyRow]

    public init(grouping: AccuracyGrouping, rows: [AccuracyRow]) {
        self.grouping = grouping
        self.rows = rows
    }

    public var header: [String] { grouping.keyColumns + ["n", "mae", "rmse", "hit_rate"] }

    public func render(_ format: ReportFormat) -> String {
        switch format {
        case .csv: return csv
        case .json: return json
        case .table: return table
        }
    }

    func values(_ r: AccuracyRow) -> [String] {
        r.key + [String(r.n), "\(r.mae)", "\(r.rmse)", r.hitRate.map { "\($0)" } ?? ""]
    }

    public var csv: String {
        ([header] + rows.map(values)).map { $0.map(CSVField.escape).joined(separator: ",") }.joined(separator: "\r\n") + "\r\n"
    }

    public var json: String {
        let objects: [[String: Any]] = rows.map { r in
            var o: [String: Any] = [:]
            for (k, v) in zip(grouping.keyColumns, r.key) { o[k] = v }
            o["n"] = r.n; o["mae"] = r.mae; o["rmse"] = r.rmse; o["hit_rate"] = r.hitRate ?? NSNull()
            return o
        }
        let options: JSONSerialization.WritingOptions = [.sortedKeys, .prettyPrinted]
        let data = (try? JSONSerialization.data(withJSONObject: objects, options: options)) ?? Data("[]".utf8)
        return String(decoding: data, as: UTF8.self) + "\n"
    }

    public var table: String {
        let cells = [header] + rows.map { r in
            r.key.map { $0.isEmpty ? "-" : $0 } + [String(r.n), String(format: "%.6f", r.mae), String(format: "%.6f", r.rmse),
                                                   r.hitRate.map { String(format: "%.4f", $0) } ?? "-"]
        }
        let widths = header.indices.map { c in cells.map { $0[c].count }.max() ?? 0 }
        let numeric = Set(grouping.keyColumns.count..<header.count)
        let lines = cells.map { row in
            row.enumerated().map { c, v in
                let fill = String(repeating: " ", count: widths[c] - v.count)
                return numeric.contains(c) ? fill + v : v + fill
            }.joined(separator: "  ")
        }
        return lines.joined(separator: "\n") + "\n" + (rows.isEmpty ? "(no predictions with an outcome in the range)\n" : "")
    }
}

/// RFC 4180 fields: quoted when they hold a comma, a quote, CR or LF; quotes doubled.
public enum CSVField {
    public static func escape(_ s: String) -> String {
        guard s.contains(where: { $0 == "," || $0 == "\"" || $0 == "\r" || $0 == "\n" || $0 == "\r\n" }) else { return s }
        return "\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
}
