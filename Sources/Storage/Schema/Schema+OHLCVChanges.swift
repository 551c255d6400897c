extension Schema {
    /// Migration 16: every statement that changes `ohlcv` leaves a row in `ohlcv_changes`, in its
    /// own transaction: the transaction's id and, when the writer declared them, the trading days
    /// it touched (``MarketStore/changedDaysSetting``, a date range set for the transaction; ingest sets it).
    ///
    /// A resident coordinator keeps its daily windows from one run to the next
    /// (`WindowCache`). Before it reuses them it asks which changes committed since it read
    /// them (``MarketStore/ohlcvChanges(since:)``): a change on other days leaves them valid;
    /// one on their days, or one that declared nothing (an operator's `UPDATE`, a `TRUNCATE`),
    /// makes it read them again. One row per statement, not per row: a COPY of millions of
    /// rows adds one. Rows are a few a day and are kept: a cache may be days old. It fires as a
    /// replica too; a trigger disabled by hand, a table rewrite, or a partition dropped or detached
    /// goes unseen: restart watchers (a window cache file is not used while the trigger is
    /// disabled, nor after a rewrite or a change of partitions).
    static let ohlcvChanges = """
        CREATE TABLE ohlcv_changes (
            xid  xid8 NOT NULL,
            days daterange,
            at   timestamptz NOT NULL DEFAULT now()
        );
        CREATE INDEX ohlcv_changes_by_xid ON ohlcv_changes (xid);
        CREATE FUNCTION closebell_note_ohlcv_change() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            INSERT INTO ohlcv_changes (xid, days)
            VALUES (pg_current_xact_id(),
                    nullif(current_setting('\(MarketStore.changedDaysSetting)', true), '')::daterange);
            RETURN NULL;
        END $$;
        CREATE TRIGGER ohlcv_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON ohlcv
            FOR EACH STATEMENT EXECUTE FUNCTION closebell_note_ohlcv_change();
        -- Also when rows are applied as a replica (logical replication, pg_restore --disable-triggers).
        ALTER TABLE ohlcv ENABLE ALWAYS TRIGGER ohlcv_changed;
        """
}
