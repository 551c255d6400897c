import Foundation

/// A daily file's name: `<market>_YYYYMMDD.csv` (for NEPSE, `nepse_20240131.csv`).
public struct DailyFileName: Sendable, Equatable {
    public let market: String
    public let day: Day

    /// Parses a file name (a path's last component); nil when it is not a daily file.
    public init?(_ fileName: String) {
        let base = DailyFileName.baseName(fileName)
        guard base.hasSuffix(".csv"), let us = base.lastIndex(of: "_") else { return nil }
        let market = String(base[..<us])
        let digits = base[base.index(after: us)..<base.index(base.endIndex, offsetBy: -4)]
        guard !market.isEmpty, let day = Day(compact: digits) else { return nil }
        self.market = market
        self.day = day
    }

    public init(market: String, day: Day) {
        self.market = market
        self.day = day
    }

    public var fileName: String { "\(market)_\(day.compact).csv" }

    /// A path's last component, without NSString (whose `lastPathComponent` crashes on some
    /// inputs, e.g. "///x//", in this Foundation; found by fuzzing).
    public static func baseName(_ path: String) -> String {
        path.split(separator: "/").last.map(String.init) ?? path
    }
}

/// A file that cannot be read at all (unreadable, not a daily file name, wrong header).
public struct DataFileError: Error, CustomStringConvertible, Sendable {
    public let file: String
    public let line: Int?
    public let reason: String

    public init(file: String, line: Int?, reason: String) {
        self.file = file
        self.line = line
        self.reason = reason
    }

    public var description: String {
        if let line { return "\(file):\(line): \(reason)" }
        return "\(file): \(reason)"
    }
}

/// One parsed daily file: the rows that load, the rows rejected and the anomalies flagged.
public struct DailyFile: Sendable {
    public let fileName: String
    public let name: DailyFileName
    /// Usable rows, in file order.
    public var bars: [Bar]
    /// Line number of each bar in `bars`.
    public var lines: [Int]
    public var rejects: [RejectedRow]
    public var anomalies: [Anomaly]

    public init(fileName: String, name: DailyFileName, bars: [Bar] = [], lines: [Int] = [],
                rejects: [RejectedRow] = [], anomalies: [Anomaly] = []) {
        self.fileName = fileName
        self.name = name
        self.bars = bars
        self.lines = lines
        self.rejects = rejects
        self.anomalies = anomalies
    }
}

/// Reads and validates daily CSV files (`Date,Symbol,Open,High,Low,Close,Volume`).
///
/// Every row either loads or is rejected with file, line, raw text and reason; a bad row never
/// stops the good ones. A row needs a Date (the file's day), a Symbol and a positive Close
/// (SPEC §1: the features use Close only, and training kept every such row). An Open, High, Low
/// or Volume that is empty, unparsable, zero or negative (Volume: negative), and prices that
/// disagree (Open or Close outside [Low, High], Low > High), load flagged — or are rejected
/// in strict mode. An absent or unparsable value is NaN in the bar (NULL in PostgreSQL).
public struct DailyFileParser: Sendable {
    /// Reject anomalous rows instead of flagging them.
    public var strict: Bool

    public static let columns = ["Date", "Symbol", "Open", "High", "Low", "Close", "Volume"]

    public init(strict: Bool = false) { self.strict = strict }

    /// Reads and parses a file from disk.
    public func parse(path: String) throws -> DailyFile {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw DataFileError(file: path, line: nil, reason: "cannot read file")
        }
        return try parse(bytes: [UInt8](data), fileName: DailyFileName.baseName(path))
    }

    /// Parses a file's bytes; `fileName` gives the market and day.
    public func parse(bytes: [UInt8], fileName: String) throws -> DailyFile {
        guard let name = DailyFileName(fileName) else {
            throw DataFileError(file: fileName, line: nil, reason: "not a daily file name: expected <market>_YYYYMMDD.csv")
        }
        return try bytes.withUnsafeBufferPointer { try parse(buffer: $0, fileName: fileName, name: name) }
    }

    private func parse(buffer b: UnsafeBufferPointer<UInt8>, fileName: String, name: DailyFileName) throws -> DailyFile {
        var out = DailyFile(fileName: fileName, name: name, bars: [], lines: [], rejects: [], anomalies: [])
        out.bars.reserveCapacity(b.count / 48)
        out.lines.reserveCapacity(b.count / 48)
        var seen = SymbolsSeen()
        var pos = 0
        if b.count >= 3, b[0] == 0xEF, b[1] == 0xBB, b[2] == 0xBF { pos = 3 }  // UTF-8 BOM
        var lineNo = 0
        var columnIndex: [Int]? = nil  // file column -> canonical column
        // Fixed buffers, not arrays: arrays captured by `field` below were checked for exclusive
        // access on every read (a tenth of the parse).
        let fieldStarts = UnsafeMutableBufferPointer<Int>.allocate(capacity: 16)
        let fieldEnds = UnsafeMutableBufferPointer<Int>.allocate(capacity: 16)
        defer { fieldStarts.deallocate(); fieldEnds.deallocate() }
        while pos < b.count {
            lineNo += 1
            // A line ends at LF, CRLF or a lone CR (old Mac files).
            var end = pos
            while end < b.count, b[end] != 0x0A, b[end] != 0x0D { end += 1 }
            let lineEnd = end
            let next = end + (end + 1 < b.count && b[end] == 0x0D && b[end + 1] == 0x0A ? 2 : 1)
            defer { pos = next }
            // Blank lines carry nothing and are skipped.
            var blank = true
            for k in pos..<lineEnd where b[k] != 0x20 && b[k] != 0x09 { blank = false; break }
            if blank { continue }

            // Split on commas (fields are never quoted in these files; quotes are stripped).
            var nf = 0, start = pos
            for k in pos...lineEnd {
                if k == lineEnd || b[k] == 0x2C {
                    if nf < 16 { fieldStarts[nf] = start; fieldEnds[nf] = k }
                    nf += 1
                    start = k + 1
                }
            }
            func field(_ i: Int) -> UnsafeBufferPointer<UInt8> {
                var s = fieldStarts[i], e = fieldEnds[i]
                while s < e, b[s] == 0x20 || b[s] == 0x09 { s += 1 }
                while e > s, b[e - 1] == 0x20 || b[e - 1] == 0x09 { e -= 1 }
                if e - s >= 2, b[s] == 0x22, b[e - 1] == 0x22 { s += 1; e -= 1 }
                return UnsafeBufferPointer(rebasing: b[s..<e])
            }
            func raw() -> String { RawText.display(UnsafeBufferPointer(rebasing: b[pos..<lineEnd])) }
            func text(_ f: UnsafeBufferPointer<UInt8>) -> String { RawText.display(f, limit: RawText.fieldLimit) }

            guard let cols = columnIndex else {
                // Header: the seven columns, in any order.
                let names = (0..<min(nf, 16)).map { String(decoding: field($0), as: UTF8.self) }
                var map = [Int](repeating: -1, count: 7)
                for (i, n) in names.enumerated() {
                    if let c = DailyFileParser.columns.firstIndex(of: n) { map[c] = i }
                }
                let missing = DailyFileParser.columns.enumerated().filter { map[$0.offset] < 0 }.map(\.element)
                if !missing.isEmpty || nf != 7 {
                    throw DataFileError(file: fileName, line: lineNo,
                                        reason: "bad header '\(RawText.display(UnsafeBufferPointer(rebasing: b[pos..<lineEnd]), limit: 200))': expected \(DailyFileParser.columns.joined(separator: ","))")
                }
                columnIndex = map
                continue
            }
            func reject(_ reason: String) {
                out.rejects.append(RejectedRow(file: fileName, line: lineNo, raw: raw(), reason: reason))
            }
            // PostgreSQL text cannot hold NUL: such a row is rejected alone, its raw text escaped.
            if let nul = UnsafeBufferPointer(rebasing: b[pos..<lineEnd]).firstIndex(of: 0) {
                reject("NUL byte (0x00) at byte \(nul + 1) of the line"); continue
            }
            if nf != 7 { reject("expected 7 fields, got \(nf)"); continue }
            // What a row needs to be used at all: Date, Symbol and a positive Close. The features
            // use Close only, and the training pipelines keep every such row, so a bad Open,
            // High, Low or Volume is flagged (stored as given, or NULL when absent) — not dropped.
            let dateField = field(cols[0]), symbolField = field(cols[1]), closeField = field(cols[5])
            if dateField.isEmpty { reject("missing field Date"); continue }
            if symbolField.isEmpty { reject("missing field Symbol"); continue }
            if closeField.isEmpty { reject("missing field Close"); continue }

            guard let day = Day.parseISO(dateField) else {
                reject("unparsable Date '\(text(dateField))': expected YYYY-MM-DD"); continue
            }
            if day != name.day { reject("Date \(day) does not match the file's day \(name.day)"); continue }
            guard let close = DecimalParser.parse(closeField) else {
                reject("unparsable Close '\(text(closeField))'"); continue
            }
            if close <= 0 { reject("non-positive Close \(close)"); continue }
            // A symbol is opaque, but it must be text: invalid UTF-8 would be rewritten (and could
            // then collide with another symbol), so the row is rejected instead.
            guard let symbol = String(validating: symbolField, as: UTF8.self) else {
                reject("Symbol '\(text(symbolField))' is not valid UTF-8"); continue
            }
            if symbol.utf8.count > RawText.symbolLimit {
                reject("Symbol is \(symbol.utf8.count) bytes long (at most \(RawText.symbolLimit))"); continue
            }
            // Open, High, Low (k = 0, 1, 2) and Volume (k = 4): flagged when absent, unparsable or
            // out of range; NaN stands for absent.
            var kinds: [Anomaly.Kind] = []
            func secondary(_ k: Int) -> Double {
                let f = field(cols[2 + k])
                if f.isEmpty { kinds.append(Anomaly.Kind.missing(k)); return .nan }
                guard let x = DecimalParser.parse(f) else { kinds.append(Anomaly.Kind.unparsable(k)); return .nan }
                if k == 4 ? x < 0 : x <= 0 { kinds.append(Anomaly.Kind.outOfRange(k)) }
                return x
            }
            let open = secondary(0), high = secondary(1), low = secondary(2), volume = secondary(4)
            if kinds.isEmpty {
                if low > high { kinds.append(.lowAboveHigh) }
                if open < low || open > high { kinds.append(.openOutsideRange) }
                if close < low || close > high { kinds.append(.closeOutsideRange) }
            }
            if let first = seen.line(of: symbol, bytes: symbolField, in: out) {
                reject("duplicate symbol \(text(symbolField)) (first at line \(first))"); continue
            }

            if !kinds.isEmpty {
                if strict { reject("strict mode: " + kinds.map(\.rawValue).joined(separator: ", ")); continue }
                for k in kinds { out.anomalies.append(Anomaly(file: fileName, line: lineNo, symbol: symbol, day: day, kind: k)) }
            }
            seen.insert(symbol, bytes: symbolField, line: lineNo)
            out.bars.append(Bar(symbol: symbol, day: day, open: open, high: high, low: low, close: close, volume: volume))
            out.lines.append(lineNo)
        }
        if columnIndex == nil { throw DataFileError(file: fileName, line: nil, reason: "empty file: no header") }
        return out
    }
}

/// Finds daily files in folders or lists of paths.
public enum DailyFiles {
    /// A file in a folder that is not a daily file, and why it was left out.
    public struct Skipped: Sendable, Equatable {
        public let path: String
        public let reason: String
    }

    /// Every daily file (`*_YYYYMMDD.csv`) in the given folders and files, sorted by day then name.
    public static func list(_ paths: [String]) throws -> [String] { try scan(paths).files }

    /// Every daily file in the given folders and files (sorted by day then name), and the other
    /// files of those folders, each with the reason it is not a daily file.
    public static func scan(_ paths: [String]) throws -> (files: [String], skipped: [Skipped]) {
        var out: [String] = []
        var skipped: [Skipped] = []
        let fm = FileManager.default
        for p in paths {
            var isDir: ObjCBool = false
            guard fm.fileExists(atPath: p, isDirectory: &isDir) else {
                throw DataFileError(file: p, line: nil, reason: "no such file or folder")
            }
            if isDir.boolValue {
                for f in try fm.contentsOfDirectory(atPath: p).sorted() {
                    let path = (p as NSString).appendingPathComponent(f)
                    if DailyFileName(f) != nil { out.append(path); continue }
                    var sub: ObjCBool = false
                    _ = fm.fileExists(atPath: path, isDirectory: &sub)
                    if f.hasPrefix(".") { continue }
                    skipped.append(Skipped(path: path, reason: sub.boolValue ? "a folder (folders are not searched)"
                        : "not a daily file name: expected <market>_YYYYMMDD.csv with a real date"))
                }
            } else {
                out.append(p)
            }
        }
        let sorted = out.sorted {
            let a = DailyFileName($0), b = DailyFileName($1)
            if let a, let b, a.day != b.day { return a.day < b.day }
            return $0 < $1
        }
        return (sorted, skipped)
    }
}
