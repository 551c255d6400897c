import ClosebellCore
import Foundation

/// What ingesting one file did.
public struct IngestReport: Sendable, Equatable {
    public enum Outcome: String, Sendable { case loaded, unchanged, replaced, failed }
    public let file: String
    public let outcome: Outcome
    public let loaded: Int
    public let rejected: Int
    public let flagged: Int
    public let error: String?

    public var line: String {
        switch outcome {
        case .unchanged: return "\(file): unchanged (already ingested), nothing to do"
        case .failed: return "\(file): FAILED: \(error ?? "?")"
        case .loaded, .replaced:
            return "\(file): \(outcome == .replaced ? "content changed, replaced the day's rows: " : "")loaded \(loaded), rejected \(rejected), flagged \(flagged)"
        }
    }
}

/// Market data in PostgreSQL: daily files in (with rejects and anomalies), windows out.
public struct MarketStore {
    public let db: PGConnection

    public init(db: PGConnection) { self.db = db }

    /// Ingests one daily file: COPY into a staging table, then upsert into `ohlcv`, rejects and
    /// anomalies into their tables, and the file's checksum into `ingested_files`, in one
    /// transaction. The same content again is a no-op; changed content replaces the file's rows.
    public func ingest(path: String, parser: DailyFileParser = DailyFileParser()) throws -> IngestReport {
        let name = DailyFileName.baseName(path)
        guard let data = FileManager.default.contents(atPath: path) else {
            return IngestReport(file: name, outcome: .failed, loaded: 0, rejected: 0, flagged: 0, error: "cannot read file")
        }
        let bytes = [UInt8](data)
        let checksum = ContentHash.sha256Hex(bytes)
        let file: DailyFile
        do { file = try parser.parse(bytes: bytes, fileName: name) } catch let e as DataFileError {
            return IngestReport(file: name, outcome: .failed, loaded: 0, rejected: 0, flagged: 0, error: e.description)
        }
        return try db.transaction {
            try NamedLock.lockInTransaction(NamedLock.ingest(file: name), on: db)
            let prior = try db.query("SELECT checksum FROM ingested_files WHERE file_name = $1", [name]).scalar
            if prior == checksum {
                return IngestReport(file: name, outcome: .unchanged, loaded: 0, rejected: 0, flagged: 0, error: nil)
            }
            if prior != nil {
                try db.query("DELETE FROM ohlcv WHERE source_file = $1", [name])
                try db.query("DELETE FROM ingest_rejects WHERE file_name = $1", [name])
                try db.query("DELETE FROM data_quality WHERE file_name = $1", [name])
            }
            try db.execute("CREATE TEMP TABLE IF NOT EXISTS ohlcv_stage (LIKE ohlcv) ON COMMIT DELETE ROWS")
            try db.copyIn("COPY ohlcv_stage (market, symbol, trading_date, open, high, low, close, volume, source_file) FROM STDIN") { w in
                let day = file.name.day.description
                for b in file.bars {
                    w.add(file.name.market); w.add(b.symbol); w.add(day)
                    w.add(orNull: b.open); w.add(orNull: b.high); w.add(orNull: b.low); w.add(b.close); w.add(orNull: b.volume)
                    w.add(name)
                    try w.endRow()
                }
            }
            try db.execute("""
                INSERT INTO ohlcv SELECT * FROM ohlcv_stage
                ON CONFLICT (market, symbol, trading_date) DO UPDATE SET open = EXCLUDED.open, high = EXCLUDED.high, low = EXCLUDED.low,
                  close = EXCLUDED.close, volume = EXCLUDED.volume, source_file = EXCLUDED.source_file
                """)
            if !file.rejects.isEmpty {
                try db.copyIn("COPY ingest_rejects (file_name, line, raw, reason) FROM STDIN") { w in
                    for r in file.rejects { w.add(r.file); w.add(r.line); w.add(r.raw); w.add(r.reason); try w.endRow() }
                }
            }
            if !file.anomalies.isEmpty {
                try db.query("""
                    INSERT INTO data_quality (market, file_name, line, symbol, trading_date, anomaly)
                    SELECT $6, $1, l, s, $2::date, a FROM unnest($3::int[], $4::text[], $5::text[]) AS u(l, s, a)
                    ON CONFLICT (market, symbol, trading_date, anomaly) DO UPDATE SET file_name = EXCLUDED.file_name, line = EXCLUDED.line
                    """, [name, file.name.day.description, PGArray.int(file.anomalies.map(\.line)),
                          PGArray.text(file.anomalies.map(\.symbol)), PGArray.text(file.anomalies.map(\.kind.rawValue)), file.name.market])
            }
            let flaggedRows = Set(file.anomalies.map(\.line)).count
            try db.query("""
                INSERT INTO ingested_files (file_name, market, trading_date, checksum, rows_loaded, rows_rejected, rows_flagged, replaced)
                VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
                ON CONFLICT (file_name) DO UPDATE SET checksum = EXCLUDED.checksum, rows_loaded = EXCLUDED.rows_loaded,
                  rows_rejected = EXCLUDED.rows_rejected, rows_flagged = EXCLUDED.rows_flagged, ingested_at = now(), replaced = true
                """, [name, file.name.market, file.name.day.description, checksum, file.bars.count, file.rejects.count, flaggedRows, prior != nil])
            return IngestReport(file: name, outcome: prior == nil ? .loaded : .replaced, loaded: file.bars.count,
                                rejected: file.rejects.count, flagged: flaggedRows, error: nil)
        }
    }

    /// A market's symbols with a row on `day`, sorted.
    public func symbols(market: String, on day: Day) throws -> [String] {
        try db.query("SELECT symbol FROM ohlcv WHERE market = $1 AND trading_date = $2 ORDER BY symbol",
                     [market, day.description]).rows.map { $0[0]! }
    }

    /// Of `symbols`, those with no prediction for `day` in `market`.
    public func unpredicted(_ symbols: [String], market: String, on day: Day) throws -> [String] {
        let have = Set(try db.query("""
            SELECT symbol FROM predictions WHERE market = $1 AND as_of_date = $2 AND symbol = ANY($3::text[])
            """, [market, day.description, PGArray.text(symbols)]).rows.map { $0[0]! })
        return symbols.filter { !have.contains($0) }
    }

    /// The markets with ingested data (their file prefixes), sorted.
    public func markets() throws -> [String] {
        try db.query("SELECT DISTINCT market FROM ingested_files ORDER BY market").rows.map { $0[0]! }
    }

    /// Each symbol's last `rows` rows up to and including `day` (what its features need).
    /// One index scan per symbol; the result is parsed in place, without a string per field.
    public func windows(_ symbols: [String], market: String, through day: Day, rows: Int) throws -> [String: SymbolSeries] {
        try db.withRawResult("""
            SELECT s.symbol, w.trading_date, w.open, w.high, w.low, w.close, w.volume
            FROM unnest($1::text[]) AS s(symbol)
            CROSS JOIN LATERAL (
                SELECT trading_date, open, high, low, close, volume FROM ohlcv o
                WHERE o.market = $4 AND o.symbol = s.symbol AND o.trading_date <= $2
                ORDER BY trading_date DESC LIMIT $3) w
            """, [PGArray.text(symbols), day.description, rows, market]) { r in
            var out: [String: SymbolSeries] = [:]
            out.reserveCapacity(symbols.count)
            var current: SymbolSeries? = nil
            func flush() {
                guard var s = current else { return }
                s.days.reverse(); s.open.reverse(); s.high.reverse(); s.low.reverse(); s.close.reverse(); s.volume.reverse()
                out[s.symbol] = s
            }
            for i in 0..<r.rowCount {
                let sym = r.bytes(i, 0)
                if current == nil || !current!.symbol.utf8.elementsEqual(sym) {
                    flush()
                    current = SymbolSeries(symbol: String(decoding: sym, as: UTF8.self))
                    current!.days.reserveCapacity(rows)
                }
                guard let d = Day.parseISO(r.bytes(i, 1)) else { throw PGError(sqlState: nil, message: "bad date in ohlcv: \(r.string(i, 1))") }
                var v = [0.0, 0, 0, 0, 0]
                for k in 0..<5 {
                    // Open, High, Low and Volume may be NULL (absent in the file, flagged): NaN.
                    if r.isNull(i, 2 + k) { v[k] = .nan; continue }
                    guard let x = DecimalParser.parse(r.bytes(i, 2 + k)) else {
                        throw PGError(sqlState: nil, message: "bad number in ohlcv: \(r.string(i, 2 + k))")
                    }
                    v[k] = x
                }
                current!.days.append(d); current!.open.append(v[0]); current!.high.append(v[1])
                current!.low.append(v[2]); current!.close.append(v[3]); current!.volume.append(v[4])
            }
            flush()
            return out
        }
    }
}
