import ClosebellCore

extension RunLedger {
    /// The newest finished run of each kind (by when it finished), with when it finished as
    /// Unix seconds: what alerts watch.
    public func latestFinished() throws -> [RunKind: (run: RunRecord, finishedAt: Double?)] {
        let runs = try db.query("""
            SELECT DISTINCT ON (k.kind) \(RunRecord.columns), extract(epoch FROM finished_at)::float8 FROM runs,
                LATERAL (SELECT CASE WHEN parent_run_id IS NOT NULL THEN 'retry'
                                     WHEN first_date IS NOT NULL THEN 'backfill' ELSE 'daily' END AS kind) k
            WHERE status IN ('completed', 'completed_with_failures', 'failed', 'cancelled')
            ORDER BY k.kind, finished_at DESC NULLS LAST, run_id DESC
            """).decode { (run: try RunRecord(row: $0), finishedAt: $0.optional(RunRecord.columnCount).flatMap(Double.init)) }
        return Dictionary(runs.map { ($0.run.kind, $0) }, uniquingKeysWith: { a, _ in a })
    }

    /// Per market, the newest as-of date a run completed (with or without failed symbols).
    public func latestCompletedDays() throws -> [String: Day] {
        var days: [String: Day] = [:]
        for r in try db.query("""
            SELECT market, max(as_of_date)::text FROM runs
            WHERE status IN ('completed', 'completed_with_failures') GROUP BY market
            """).rows {
            if let market = r[0], let day = r[1].flatMap(Day.init(iso:)) { days[market] = day }
        }
        return days
    }

    /// Runs queued or running.
    public func activeCount() throws -> Int {
        Int(try db.query("SELECT count(*) FROM runs WHERE status IN ('queued', 'running')").scalar ?? "0") ?? 0
    }
}

extension RunLedger {
    /// The server's clock now: a mark that ``dailyRunCompleted(market:day:since:)`` compares with
    /// (a run resumed under its old id, or another coordinator's, finishes after it).
    public func serverNow() throws -> String {
        try db.query("SELECT now()::text").scalar ?? ""
    }

    /// Whether a daily run of `day` finished, completed (with or without failures), after `mark`.
    public func dailyRunCompleted(market: String, day: Day, since mark: String) throws -> Bool {
        try db.query("""
            SELECT EXISTS (SELECT 1 FROM runs WHERE market = $1 AND as_of_date = $2 AND first_date IS NULL
              AND finished_at > $3::timestamptz AND status IN ('completed', 'completed_with_failures'))
            """, [market, day.description, mark]).scalar == "t"
    }
}

