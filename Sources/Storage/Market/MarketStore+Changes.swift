import ClosebellCore

/// The changes of `ohlcv` committed after a snapshot (see migration 16, `ohlcv_changes`), and
/// the snapshot of the statement that found them: the point from which to ask next time.
public struct OHLCVChanges: Sendable, Equatable {
    /// The asking statement's snapshot (`pg_snapshot` text). Rows read after it see at least
    /// what it saw; a change it did not see is found when asked again from it.
    public let snapshot: String
    /// The trading days of each change, first to last; nil for a change that declared none
    /// (then any day may have changed).
    public let touched: [ClosedRange<Day>?]

    public init(snapshot: String, touched: [ClosedRange<Day>?]) {
        self.snapshot = snapshot
        self.touched = touched
    }

    /// Whether any change may have touched a day of `days`.
    public func mayHaveTouched(_ days: ClosedRange<Day>) -> Bool {
        touched.contains { $0.map { $0.overlaps(days) } ?? true }
    }
}

extension MarketStore {
    /// The name of the transaction setting by which a writer of `ohlcv` declares the trading
    /// days it touches (a `daterange`), for `ohlcv_changes`.
    public static let changedDaysSetting = "closebell.ohlcv_days"

    /// Declares, for the rest of the open transaction, that its changes of `ohlcv` touch only
    /// the trading days `first` through `last`.
    public func declareChangedDays(_ first: Day, _ last: Day) throws {
        try db.query("SELECT set_config($1, $2, true)", [Self.changedDaysSetting, "[\(first),\(last)]"])
    }

    /// The changes of `ohlcv` committed after `snapshot` (none asked when it is nil), with this
    /// statement's own snapshot. Changes older than the snapshot's oldest running transaction
    /// are skipped by the index, so the table's size does not matter.
    public func ohlcvChanges(since snapshot: String?) throws -> OHLCVChanges {
        let r = try db.query("""
            SELECT pg_current_snapshot()::text,
                   $1::pg_snapshot IS NOT NULL
                     AND pg_snapshot_xmax(pg_current_snapshot()) < pg_snapshot_xmax($1::pg_snapshot),
                   ARRAY(
                SELECT coalesce(lower(days)::text || '/' || (upper(days) - 1)::text, '') FROM ohlcv_changes
                WHERE $1::pg_snapshot IS NOT NULL AND xid >= pg_snapshot_xmin($1::pg_snapshot)
                  AND NOT pg_visible_in_snapshot(xid, $1::pg_snapshot) ORDER BY xid)::text
            """, [snapshot])
        guard let row = r.rows.first, let now = row[0], let list = row[2] else {
            throw PGError(sqlState: nil, message: "no snapshot from the server")
        }
        // Transaction ids older than the snapshot asked from: another server behind the same
        // address (a restore, a switchover), whose changes cannot be told apart: anything may have changed.
        let elsewhere: [ClosedRange<Day>?] = row[1] == "t" ? [nil] : []
        let touched = elsewhere + PGArray.parseText(list).map { text -> ClosedRange<Day>? in
            let parts = text.split(separator: "/").compactMap { Day(iso: String($0)) }
            guard parts.count == 2, parts[0] <= parts[1] else { return nil }
            return parts[0]...parts[1]
        }
        return OHLCVChanges(snapshot: now, touched: touched)
    }
}

extension MarketStore {
    /// What rows read from `ohlcv` and kept outside the database (a window cache in a file) must
    /// have been read from to be used with ``ohlcvChanges(since:)`` again: this server (its
    /// system identifier) on this timeline (a new one after a point-in-time restore or a
    /// promotion, which hand out transaction ids again), this database (its oid, new when it is
    /// created again) and this `ohlcv` (its oid, and each partition's oid and file node: a new
    /// file node after a `TRUNCATE`, a `VACUUM FULL` or a column's new type; a partition dropped
    /// or detached, which no trigger notes). Snapshots of another say nothing about this one's
    /// changes. A partition made for a new month changes it too: that day's run reads its
    /// windows whole, once a month. Nil while the trigger that notes the changes is not enabled
    /// as migration 16 leaves it, on the table and on every partition: changes would go unseen.
    public func windowCacheIdentity() throws -> String? {
        try db.query("""
            SELECT CASE WHEN NOT EXISTS (
                       SELECT 1 FROM pg_partition_tree('ohlcv') t
                       WHERE NOT EXISTS (SELECT 1 FROM pg_trigger g WHERE g.tgrelid = t.relid
                                         AND g.tgname = 'ohlcv_changed' AND g.tgenabled = 'A'))
                   THEN (SELECT system_identifier FROM pg_control_system())::text || '/'
                        || substr(pg_walfile_name(pg_current_wal_lsn()), 1, 8) || '/'
                        || (SELECT oid FROM pg_database WHERE datname = current_database())::text || '/'
                        || 'ohlcv'::regclass::oid::text || '/'
                        || (SELECT md5(string_agg(c.oid::text || ':' || c.relfilenode::text, ',' ORDER BY c.oid))
                            FROM pg_partition_tree('ohlcv') t JOIN pg_class c ON c.oid = t.relid) END
            """).scalar
    }
}
