import ClosebellCore

extension OutcomeStore {
    /// ``refreshAccuracy(market:days:from:to:)`` for the as-of days `from` through `to`, summed in
    /// two halves at once: the market's symbols split at the median of the range's last day, one
    /// half summed on `db`, the other on `helper` (two backends, so two cores), then added up here
    /// and written in one transaction on `db`. After a backfill of 10,000 symbols × 220 days the
    /// single query took 5–8.5 s, most of the time between the last commit and the coordinator's
    /// exit. Sums of doubles are added in another order than one query adds them: their last bits
    /// may differ. `helper` must be idle; it runs one query, on a thread of its own.
    @discardableResult
    public func refreshAccuracy(market: String, from: Day, to: Day, alongside helper: PGConnection) throws -> Int {
        let last = try previousTradingDay(market: market, before: Day(daysSinceEpoch: to.daysSinceEpoch + 1))
        let names = try last.map { try MarketStore(db: db).symbols(market: market, on: $0) } ?? []
        guard names.count >= 2 else { return try refreshAccuracy(market: market, from: from, to: to) }
        let args: [any PGBindable] = [market, String?.none, from.description, to.description, from.description,
                                      names[names.count / 2]]
        let sql = { (op: String) in Self.dailySums(symbols: { "\($0) \(op) $6" }) }
        let half = HalfSums(db: helper, sql: sql(">="), args: args)
        let other = ThreadFuture { try half.sums() }
        let mine = Result { try DaySums.parse(db.query(sql("<"), args).rows) }
        let theirs = Result { try other.wait() }  // waited for even when ours failed: it uses `helper`
        var total = try mine.get()
        for (key, sums) in try theirs.get() { total[key, default: DaySums()].add(sums) }
        let rows = total.sorted { ($0.key.kind, $0.key.hash, $0.key.day) < ($1.key.kind, $1.key.hash, $1.key.day) }
        return try db.transaction {
            try deleteAccuracy(market: market, days: nil, from: from, to: to)
            guard !rows.isEmpty else { return 0 }
            return try db.query("""
                INSERT INTO accuracy_daily (market, model_kind, model_hash, as_of_date, n, sum_abs, sum_sq, n_direction, hits)
                SELECT $1, * FROM unnest($2::text[], $3::text[], $4::date[], $5::bigint[], $6::float8[], $7::float8[],
                                         $8::bigint[], $9::bigint[])
                """, [market, PGArray.text(rows.map(\.key.kind)), PGArray.text(rows.map(\.key.hash)),
                      PGArray.text(rows.map(\.key.day)), PGArray.int(rows.map(\.value.n)),
                      PGArray.double(rows.map(\.value.sumAbs)), PGArray.double(rows.map(\.value.sumSquares)),
                      PGArray.int(rows.map(\.value.withDirection)), PGArray.int(rows.map(\.value.hits))]).affected
        }
    }
}

/// One model's sums for one as-of day, as `accuracy_daily` keeps them.
struct DaySums {
    /// Which model and day the sums are of.
    struct Key: Hashable {
        var kind: String
        var hash: String
        var day: String
    }

    var n = 0
    var sumAbs = 0.0
    var sumSquares = 0.0
    var withDirection = 0
    var hits = 0

    mutating func add(_ other: DaySums) {
        n += other.n
        sumAbs += other.sumAbs
        sumSquares += other.sumSquares
        withDirection += other.withDirection
        hits += other.hits
    }

    /// Rows of ``OutcomeStore/dailySums(symbols:)``, by key.
    static func parse(_ rows: [[String?]]) throws -> [Key: DaySums] {
        var out: [Key: DaySums] = [:]
        for r in rows {
            guard r.count == 8, let kind = r[0], let hash = r[1], let day = r[2], let n = r[3].flatMap({ Int($0) }),
                  let abs = r[4].flatMap({ Double($0) }), let sq = r[5].flatMap({ Double($0) }),
                  let dir = r[6].flatMap({ Int($0) }), let hits = r[7].flatMap({ Int($0) }) else {
                throw PGError(sqlState: nil, message: "unexpected accuracy sums row \(r)")
            }
            out[Key(kind: kind, hash: hash, day: day), default: DaySums()]
                .add(DaySums(n: n, sumAbs: abs, sumSquares: sq, withDirection: dir, hits: hits))
        }
        return out
    }
}

/// The other half's query, handed to a ``ThreadFuture`` (the connection is used by that thread only).
private final class HalfSums: @unchecked Sendable {
    let db: PGConnection
    let sql: String
    let args: [any PGBindable]

    init(db: PGConnection, sql: String, args: [any PGBindable]) {
        self.db = db
        self.sql = sql
        self.args = args
    }

    func sums() throws -> [DaySums.Key: DaySums] { try DaySums.parse(db.query(sql, args).rows) }
}
