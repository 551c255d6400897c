/// Closebell's PostgreSQL schema, as an ordered list of migrations.
///
/// Tables analysts rely on (`predictions`, `runs`, `ohlcv`) keep their column names stable;
/// the README's "For analysts" section documents them.
public enum Schema {
    /// The role analysts log in through (or `SET ROLE` to): may read every table, write none.
    public static let analystRole = "closebell_analyst"

    public static let migrations: [Migration] = [
        Migration(version: 1, name: "market data", sql: """
            CREATE TABLE ingested_files (
                file_name     text PRIMARY KEY,
                market        text NOT NULL,
                trading_date  date NOT NULL,
                checksum      text NOT NULL,
                rows_loaded   integer NOT NULL,
                rows_rejected integer NOT NULL,
                rows_flagged  integer NOT NULL,
                ingested_at   timestamptz NOT NULL DEFAULT now(),
                replaced      boolean NOT NULL DEFAULT false
            );
            CREATE TABLE ohlcv (
                symbol       text NOT NULL,
                trading_date date NOT NULL,
                open         double precision NOT NULL,
                high         double precision NOT NULL,
                low          double precision NOT NULL,
                close        double precision NOT NULL,
                volume       double precision NOT NULL,
                source_file  text NOT NULL,
                PRIMARY KEY (symbol, trading_date)
            );
            CREATE INDEX ohlcv_by_date ON ohlcv (trading_date);
            CREATE TABLE ingest_rejects (
                id          bigserial PRIMARY KEY,
                file_name   text NOT NULL,
                line        integer NOT NULL,
                raw         text NOT NULL,
                reason      text NOT NULL,
                rejected_at timestamptz NOT NULL DEFAULT now()
            );
            CREATE INDEX ingest_rejects_by_file ON ingest_rejects (file_name);
            CREATE TABLE data_quality (
                file_name    text NOT NULL,
                line         integer NOT NULL,
                symbol       text NOT NULL,
                trading_date date NOT NULL,
                anomaly      text NOT NULL,
                PRIMARY KEY (symbol, trading_date, anomaly)
            );
            CREATE INDEX data_quality_by_file ON data_quality (file_name);
            """),
        Migration(version: 2, name: "runs, chunks and predictions", sql: """
            CREATE TABLE runs (
                run_id        bigserial PRIMARY KEY,
                as_of_date    date NOT NULL,
                status        text NOT NULL CHECK (status IN
                                ('queued','running','completed','completed_with_failures','failed','cancelled')),
                progress      double precision NOT NULL DEFAULT 0,
                message       text,
                total_symbols integer NOT NULL DEFAULT 0,
                processed     integer NOT NULL DEFAULT 0,
                succeeded     integer NOT NULL DEFAULT 0,
                failed        integer NOT NULL DEFAULT 0,
                retried       integer NOT NULL DEFAULT 0,
                created_at    timestamptz NOT NULL DEFAULT now(),
                started_at    timestamptz,
                finished_at   timestamptz,
                error         text,
                config        jsonb NOT NULL DEFAULT '{}',
                parent_run_id bigint REFERENCES runs(run_id),
                coordinator   text
            );
            CREATE INDEX runs_by_date ON runs (as_of_date);
            CREATE UNIQUE INDEX one_active_run_per_date ON runs (as_of_date) WHERE status IN ('queued', 'running');
            CREATE TABLE chunks (
                run_id        bigint NOT NULL REFERENCES runs(run_id) ON DELETE CASCADE,
                chunk_no      integer NOT NULL,
                symbols       text[] NOT NULL,
                status        text NOT NULL CHECK (status IN ('pending','published','done','failed','cancelled')),
                attempts      integer NOT NULL DEFAULT 0,
                worker        text,
                published_at  timestamptz,
                completed_at  timestamptz,
                compute_ms    double precision,
                succeeded     integer NOT NULL DEFAULT 0,
                failed        integer NOT NULL DEFAULT 0,
                last_error    text,
                retry_at      timestamptz,
                PRIMARY KEY (run_id, chunk_no)
            );
            CREATE TABLE predictions (
                symbol           text NOT NULL,
                as_of_date       date NOT NULL,
                target_date      date NOT NULL,
                predicted_return double precision NOT NULL,
                model_kind       text NOT NULL,
                model_path       text,
                model_hash       text,
                is_fallback      boolean NOT NULL,
                run_id           bigint NOT NULL REFERENCES runs(run_id),
                chunk_no         integer,
                predicted_at     timestamptz NOT NULL DEFAULT now(),
                PRIMARY KEY (symbol, as_of_date)
            );
            CREATE INDEX predictions_by_date ON predictions (as_of_date);
            CREATE TABLE symbol_failures (
                run_id      bigint NOT NULL REFERENCES runs(run_id) ON DELETE CASCADE,
                symbol      text NOT NULL,
                as_of_date  date NOT NULL,
                chunk_no    integer,
                stage       text NOT NULL,
                error       text NOT NULL,
                attempts    integer NOT NULL DEFAULT 1,
                failed_at   timestamptz NOT NULL DEFAULT now(),
                PRIMARY KEY (run_id, symbol, as_of_date)
            );
            """),
        Migration(version: 3, name: "analyst role", sql: """
            DO $$ BEGIN
                IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'closebell_analyst') THEN
                    CREATE ROLE closebell_analyst NOLOGIN;
                END IF;
            END $$;
            GRANT USAGE ON SCHEMA public TO closebell_analyst;
            GRANT SELECT ON ALL TABLES IN SCHEMA public TO closebell_analyst;
            ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT ON TABLES TO closebell_analyst;
            GRANT closebell_analyst TO CURRENT_USER;
            """),
        Migration(version: 4, name: "markets as namespaces, row locks, result checks", sql: """
            -- Each market (file prefix) is its own namespace: history, runs and predictions.
            ALTER TABLE ohlcv ADD COLUMN market text;
            UPDATE ohlcv o SET market = f.market FROM ingested_files f WHERE f.file_name = o.source_file;
            UPDATE ohlcv SET market = 'nepse' WHERE market IS NULL;
            ALTER TABLE ohlcv ALTER COLUMN market SET NOT NULL;
            ALTER TABLE ohlcv DROP CONSTRAINT ohlcv_pkey;
            ALTER TABLE ohlcv ADD PRIMARY KEY (market, symbol, trading_date);
            DROP INDEX ohlcv_by_date;
            CREATE INDEX ohlcv_by_date ON ohlcv (market, trading_date);
            CREATE INDEX ohlcv_by_file ON ohlcv (source_file);
            ALTER TABLE data_quality ADD COLUMN market text;
            UPDATE data_quality d SET market = f.market FROM ingested_files f WHERE f.file_name = d.file_name;
            UPDATE data_quality SET market = 'nepse' WHERE market IS NULL;
            ALTER TABLE data_quality ALTER COLUMN market SET NOT NULL;
            ALTER TABLE data_quality DROP CONSTRAINT data_quality_pkey;
            ALTER TABLE data_quality ADD PRIMARY KEY (market, symbol, trading_date, anomaly);
            ALTER TABLE runs ADD COLUMN market text;
            UPDATE runs SET market = coalesce((SELECT min(market) FROM ingested_files), 'nepse');
            ALTER TABLE runs ALTER COLUMN market SET NOT NULL;
            DROP INDEX one_active_run_per_date;
            CREATE UNIQUE INDEX one_active_run_per_date ON runs (market, as_of_date) WHERE status IN ('queued', 'running');
            ALTER TABLE predictions ADD COLUMN market text;
            UPDATE predictions p SET market = r.market FROM runs r WHERE r.run_id = p.run_id;
            ALTER TABLE predictions ALTER COLUMN market SET NOT NULL;
            ALTER TABLE predictions DROP CONSTRAINT predictions_pkey;
            ALTER TABLE predictions ADD PRIMARY KEY (market, symbol, as_of_date);
            DROP INDEX predictions_by_date;
            CREATE INDEX predictions_by_date ON predictions (market, as_of_date);
            -- A chunk's timeout runs from when a worker took it, never while it waits in the queue.
            ALTER TABLE chunks ADD COLUMN taken_at timestamptz;
            -- Named locks are row locks here: only roles that may write this table can take them,
            -- so the read-only analyst role can never block a run or an ingest.
            CREATE TABLE closebell_locks (name text PRIMARY KEY);
            -- Every message the coordinator refused, with the reason.
            CREATE TABLE rejected_messages (
                id          bigserial PRIMARY KEY,
                received_at timestamptz NOT NULL DEFAULT now(),
                queue       text NOT NULL,
                message_id  text,
                run_id      bigint,
                chunk_no    bigint,
                attempt     integer,
                worker      text,
                reason      text NOT NULL
            );
            """),
        Migration(version: 5, name: "skipped symbols", sql: """
            -- A symbol with too little history (a new listing) is skipped with its reason,
            -- counted apart from failures: a run whose only non-predictions are skips completes.
            CREATE TABLE symbol_skips (
                run_id     bigint NOT NULL REFERENCES runs(run_id) ON DELETE CASCADE,
                symbol     text NOT NULL,
                as_of_date date NOT NULL,
                chunk_no   integer,
                reason     text NOT NULL,
                skipped_at timestamptz NOT NULL DEFAULT now(),
                PRIMARY KEY (run_id, symbol, as_of_date)
            );
            ALTER TABLE chunks ADD COLUMN skipped integer NOT NULL DEFAULT 0;
            ALTER TABLE runs ADD COLUMN skipped integer NOT NULL DEFAULT 0;
            """),
        Migration(version: 6, name: "rows with a usable Close load", sql: """
            -- SPEC §1: a row loads when its Close is usable; an absent or unparsable Open, High,
            -- Low or Volume is NULL (flagged in data_quality with the field and the problem).
            ALTER TABLE ohlcv ALTER COLUMN open DROP NOT NULL, ALTER COLUMN high DROP NOT NULL,
              ALTER COLUMN low DROP NOT NULL, ALTER COLUMN volume DROP NOT NULL;
            """),
        Migration(version: 7, name: "ohlcv keeps two indexes", sql: """
            -- A changed file's rows are found by market and day (ohlcv_by_date); a third index
            -- on every row's file name only slowed bulk loading.
            DROP INDEX IF EXISTS ohlcv_by_file;
            """),
        Migration(version: 8, name: "backfills", sql: """
            -- A backfill predicts every trading day from first_date through as_of_date in one run;
            -- its chunks account for (symbol, day) entries, `items` of them (NULL: one per symbol).
            ALTER TABLE runs ADD COLUMN first_date date;
            ALTER TABLE chunks ADD COLUMN items integer;
            DROP INDEX one_active_run_per_date;
            CREATE UNIQUE INDEX one_active_run_per_date ON runs (market, as_of_date, coalesce(first_date, as_of_date))
              WHERE status IN ('queued', 'running');
            """),
        Migration(version: 9, name: "predictions without a per-row foreign key", sql: """
            -- The ledger writes predictions only inside the transaction that locks their chunk (and
            -- so their run); a foreign-key check on every row doubled the cost of a backfill's writes.
            ALTER TABLE predictions DROP CONSTRAINT IF EXISTS predictions_run_id_fkey;
            """),
        Migration(version: 10, name: "realised returns, accuracy and alerts", sql: Schema.outcomes),
        Migration(version: 11, name: "dashboard listings", sql: """
            -- The dashboard's history filters by status, newest first; its active page lists the runs
            -- finished in the last minutes and its workers page the chunks completed in them.
            CREATE INDEX runs_by_status ON runs (status, run_id);
            CREATE INDEX runs_by_finish ON runs (finished_at);
            CREATE INDEX chunks_by_completion ON chunks (completed_at) WHERE status = 'done';
            """),
        Migration(version: 12, name: "outcomes found in key order", sql: Schema.outcomesViewInKeyOrder),
        Migration(version: 13, name: "market keys led by the symbol", sql: Schema.marketKeysLedBySymbol),
        Migration(version: 14, name: "accuracy found by model", sql: """
            -- A model's latest rolling accuracy reads its last 140 as-of dates, not its whole history
            -- (OutcomeStore.rolling), and the models are found by one step each along this index.
            CREATE INDEX accuracy_daily_by_model ON accuracy_daily (model_kind, model_hash, as_of_date);
            """),
        Migration(version: 15, name: "names compared byte by byte", sql: Schema.byteOrderedNames),
        Migration(version: 16, name: "changes of market data noted", sql: Schema.ohlcvChanges),
        Migration(version: 17, name: "predictions keyed by day", sql: Schema.predictionsKeyedByDay),
        Migration(version: 18, name: "ohlcv partitioned by date", sql: Schema.ohlcvPartitioned),
    ]
}
