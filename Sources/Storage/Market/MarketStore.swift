import ClosebellCore
import Foundation

/// Market data in PostgreSQL: daily files in (with rejects and anomalies), windows out.
public struct MarketStore {
    public let db: PGConnection

    public init(db: PGConnection) { self.db = db }

    /// Ingests one daily file (see ``load(_:)``, which loads many in one transaction).
    public func ingest(path: String, parser: DailyFileParser = DailyFileParser()) throws -> IngestReport {
        try load([ParsedDailyFile(path: path, parser: parser)])[0]
    }

    /// A market's symbols with a row on `day`, sorted (or, with `sorted` false, in no order: the
    /// server's sort of 10,000 names is half of the query).
    public func symbols(market: String, on day: Day, sorted: Bool = true) throws -> [String] {
        let order = sorted ? " ORDER BY symbol" : ""
        return try db.query("SELECT symbol FROM ohlcv WHERE market = $1 AND trading_date = $2\(order)",
                            [market, day.description]).rows.map { $0[0]! }
    }

    /// Of `symbols`, those with no prediction for `day` in `market`.
    public func unpredicted(_ symbols: [String], market: String, on day: Day) throws -> [String] {
        let have = Set(try db.query("""
            SELECT symbol FROM predictions WHERE market = $1 AND as_of_date = $2 AND symbol = ANY($3::text[])
            """, [market, day.description, PGArray.text(symbols)]).rows.map { $0[0]! })
        return symbols.filter { !have.contains($0) }
    }

    /// Each symbol of `market` (or of `symbols`) with rows from `first` through `last`, and how
    /// many: a backfill's (symbol, day) entries. Sorted by symbol.
    public func tradingDayCounts(market: String, from first: Day, through last: Day,
                                 symbols: [String]?) throws -> [(symbol: String, days: Int)] {
        try db.query("""
            SELECT symbol, count(*) FROM ohlcv
            WHERE market = $1 AND trading_date BETWEEN $2 AND $3 AND ($4::text[] IS NULL OR symbol = ANY($4::text[]))
            GROUP BY symbol ORDER BY symbol
            """, [market, first.description, last.description, symbols.map { PGArray.text($0) }])
            .decode { (try $0.string(0), try $0.int(1)) }
    }

    /// Of `symbols`, those with a trading day from `first` through `last` that has no prediction.
    public func partlyUnpredicted(_ symbols: [String], market: String, from first: Day, through last: Day) throws -> [String] {
        let some = Set(try db.query("""
            SELECT DISTINCT o.symbol FROM ohlcv o
            LEFT JOIN predictions p ON p.market = o.market AND p.symbol = o.symbol AND p.as_of_date = o.trading_date
            WHERE o.market = $1 AND o.symbol = ANY($2::text[]) AND o.trading_date BETWEEN $3 AND $4 AND p.symbol IS NULL
            """, [market, PGArray.text(symbols), first.description, last.description]).rows.map { $0[0]! })
        return symbols.filter { some.contains($0) }
    }

    /// The days of `market` with an ingested daily file after `day`, oldest first.
    public func tradingDays(market: String, after day: Day) throws -> [Day] {
        try db.query("""
            SELECT DISTINCT trading_date FROM ingested_files WHERE market = $1 AND trading_date > $2 ORDER BY 1
            """, [market, day.description]).rows.compactMap { Day(iso: $0[0]!) }
    }

    /// The markets with ingested data (their file prefixes), sorted.
    public func markets() throws -> [String] {
        try db.query("SELECT DISTINCT market FROM ingested_files ORDER BY market").rows.map { $0[0]! }
    }
}
