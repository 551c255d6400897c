extension Schema {
    /// The function that gives each trading day its partition of `ohlcv`, creating one when the
    /// day has none (``MarketStore/partitions(for:)`` calls it before rows go in).
    ///
    /// The newest year is partitioned by month (`ohlcv_YYYYMM`), so a day's rows share the leaves
    /// of one month's keys. A year before the newest one asked for or held (never later than the
    /// server's clock) — a history being loaded — gets one partition (`ohlcv_YYYY`), unless it
    /// has months already: 20 years of history are ~20 tables, not 240 (each costs a few
    /// milliseconds to make, and every query that cannot prune plans each one). Months pile up
    /// at 12 a year and are never merged. A partition is a table made like `ohlcv` and
    /// attached to it, which builds its keys as the parent has them (none during a bulk load:
    /// the rebuild makes them); a table of that name that is not attached (detached by hand) is
    /// an error that says so. Attaching locks the parent `SHARE UPDATE EXCLUSIVE`, which
    /// neither reads nor writes wait for (`CREATE TABLE … PARTITION OF` would lock out every
    /// reader); taken before looking again, it also makes two ingests creating one partition
    /// take turns. Each partition gets its own `ohlcv_changed` trigger: a statement naming a
    /// partition fires none of the parent's statement triggers, and a window cache must hear of
    /// it all the same.
    static let ohlcvPartitionFunction = """
        CREATE FUNCTION closebell_ohlcv_partitions(days date[])
        RETURNS TABLE (day date, partition text) LANGUAGE plpgsql AS $$
        DECLARE
            d date;
            y text;
            m text;
            newest int;
            first date;
            name text;
            attached text[] := ARRAY(SELECT relid::regclass::text FROM pg_partition_tree('ohlcv') WHERE isleaf);
        BEGIN
            -- The newest year asked for or held, but never past the server's: a mistyped file of
            -- 2082 must not make this year's months one table.
            newest := least(greatest((SELECT max(extract(year FROM x))::int FROM unnest(days) x),
                                     (SELECT max(substr(a, 7, 4)::int) FROM unnest(attached) a
                                      WHERE a ~ '^ohlcv_[0-9]{4}([0-9]{2})?$')),
                            extract(year FROM current_date)::int);
            FOR d IN SELECT DISTINCT x FROM unnest(days) x WHERE x IS NOT NULL ORDER BY 1 LOOP
                y := 'ohlcv_' || to_char(d, 'YYYY');
                m := 'ohlcv_' || to_char(d, 'YYYYMM');
                IF NOT (y = ANY(attached) OR m = ANY(attached)) THEN
                    LOCK TABLE ONLY ohlcv IN SHARE UPDATE EXCLUSIVE MODE;
                    attached := ARRAY(SELECT relid::regclass::text FROM pg_partition_tree('ohlcv') WHERE isleaf);
                    IF NOT (y = ANY(attached) OR m = ANY(attached)) THEN
                        IF extract(year FROM d) < newest
                           AND NOT EXISTS (SELECT 1 FROM unnest(attached) a WHERE a ~ ('^' || y || '[0-9]{2}$')) THEN
                            name := y;
                            first := date_trunc('year', d)::date;
                        ELSE
                            name := m;
                            first := date_trunc('month', d)::date;
                        END IF;
                        IF to_regclass(name) IS NOT NULL THEN
                            RAISE EXCEPTION 'table % exists but is not a partition of ohlcv (detached?): '
                                            'attach it, or rename it', name;
                        END IF;
                        EXECUTE format('CREATE TABLE %I (LIKE ohlcv)', name);
                        EXECUTE format('ALTER TABLE ohlcv ATTACH PARTITION %I FOR VALUES FROM (%L) TO (%L)', name,
                                       first, (first + CASE WHEN name = y THEN interval '1 year'
                                                            ELSE interval '1 month' END)::date);
                        EXECUTE format('CREATE TRIGGER ohlcv_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE '
                                       'ON %I FOR EACH STATEMENT EXECUTE FUNCTION closebell_note_ohlcv_change()',
                                       name);
                        EXECUTE format('ALTER TABLE %I ENABLE ALWAYS TRIGGER ohlcv_changed', name);
                        attached := attached || name;
                    END IF;
                END IF;
                day := d;
                partition := CASE WHEN y = ANY(attached) THEN y ELSE m END;
                RETURN NEXT;
            END LOOP;
        END $$;
        """

    /// Migration 18: `ohlcv` partitioned by `trading_date` — the newest year by month, the
    /// years before by year — its rows, columns, keys, trigger and the outcomes view unchanged.
    ///
    /// The primary key has to lead with the symbol (a backfill's ranges, the outcomes' next row
    /// and the one-by-one windows read along it), so a day's rows — one per symbol — land on one
    /// leaf per symbol. After a checkpoint (there has always been one since the evening before)
    /// the first change to each leaf writes it to the WAL whole: with 10,000 symbols and a year
    /// of history, a day's COPY took 170–235 ms, against 66–78 ms into monthly partitions, where
    /// a day's rows share the leaves of the month's key only (~1,000 leaves at most). Reads that
    /// bind a symbol and order by day walk the partitions newest (or oldest) first and stop at
    /// their `LIMIT`; those that bind a day read one partition.
    ///
    /// The rows are copied into the new table (one pass; a large history takes a while, once),
    /// the keys built after them: ``marketKeys`` as they are now, written out, so that this
    /// migration stays what it shipped as whatever they become.
    static var ohlcvPartitioned: String {
        """
        ALTER TABLE ohlcv RENAME TO ohlcv_before_18;
        ALTER TABLE ohlcv_before_18 RENAME CONSTRAINT ohlcv_pkey TO ohlcv_before_18_pkey;
        ALTER INDEX ohlcv_by_date RENAME TO ohlcv_before_18_by_date;
        DROP VIEW prediction_outcomes;
        CREATE TABLE ohlcv (LIKE ohlcv_before_18) PARTITION BY RANGE (trading_date);
        CREATE TRIGGER ohlcv_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON ohlcv
            FOR EACH STATEMENT EXECUTE FUNCTION closebell_note_ohlcv_change();
        ALTER TABLE ohlcv ENABLE ALWAYS TRIGGER ohlcv_changed;
        \(ohlcvPartitionFunction)
        SELECT count(*) FROM closebell_ohlcv_partitions(ARRAY(SELECT DISTINCT trading_date FROM ohlcv_before_18));
        INSERT INTO ohlcv SELECT * FROM ohlcv_before_18 ORDER BY trading_date;  -- days together: ohlcv_by_date is BRIN
        DROP TABLE ohlcv_before_18;
        SET LOCAL maintenance_work_mem = '256MB';
        ALTER TABLE ohlcv ADD CONSTRAINT ohlcv_pkey PRIMARY KEY (symbol, trading_date, market);
        CREATE INDEX ohlcv_by_date ON ohlcv USING brin (trading_date) WITH (pages_per_range = 16, autosummarize = on);
        ANALYZE ohlcv;
        \(outcomesViewInKeyOrder)
        GRANT SELECT ON ohlcv, prediction_outcomes TO \(analystRole);
        """
    }
}
