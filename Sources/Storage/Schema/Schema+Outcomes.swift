import Foundation

extension Schema {
    /// Migration 12: `prediction_outcomes` as migration 10 made it, but finding each prediction's
    /// next row in the order of `ohlcv`'s key: ordered by date alone, the planner could walk
    /// `ohlcv_by_date` across every symbol for each prediction.
    static var outcomesViewInKeyOrder: String {
        let view = outcomes[..<outcomes.range(of: "AS realised_return) r;")!.upperBound]
        return view.replacingOccurrences(of: "CREATE VIEW", with: "CREATE OR REPLACE VIEW")
            .replacingOccurrences(of: "ORDER BY o.trading_date LIMIT 1", with: "ORDER BY o.symbol, o.trading_date LIMIT 1")
    }

    /// Migration 10 (SPEC §5): what happened after each prediction, and how good each model is.
    ///
    /// A prediction's realised return is the `Return` (`Close.pct_change() * 100`) of the symbol's
    /// next row after its as-of date — the target the models train on,
    /// `groupby('Symbol')['Return'].shift(-1)` — and its target date is that row's date, whatever
    /// the calendar guessed. Both are views over `predictions` and `ohlcv`, so a backfill, a late
    /// file or a corrected one (ingest replaces its rows) is reflected at once; a symbol with no
    /// row after the as-of date yet has no outcome (never a zero).
    static let outcomes = """
        CREATE VIEW prediction_outcomes AS
        SELECT p.market, p.symbol, p.as_of_date, n.trading_date AS target_date, p.predicted_return,
               r.realised_return, abs(p.predicted_return - r.realised_return) AS abs_error,
               CASE WHEN r.realised_return = 0 THEN NULL
                    ELSE sign(p.predicted_return) = sign(r.realised_return) END AS direction_hit,
               p.model_kind, p.model_hash, p.is_fallback, p.run_id
        FROM predictions p
        JOIN ohlcv c ON c.market = p.market AND c.symbol = p.symbol AND c.trading_date = p.as_of_date
        CROSS JOIN LATERAL (
            SELECT o.trading_date, o.close FROM ohlcv o
            WHERE o.market = p.market AND o.symbol = p.symbol AND o.trading_date > p.as_of_date
            ORDER BY o.trading_date LIMIT 1) n
        CROSS JOIN LATERAL (SELECT (n.close / c.close - 1) * 100 AS realised_return) r;

        -- What model_accuracy_daily adds up, per market, model and as-of date, kept current by the
        -- coordinator after each run and ingest (OutcomeStore.refreshAccuracy): summing a few rows
        -- per day is instant where recomputing every outcome of a long history is not.
        CREATE TABLE accuracy_daily (
            market      text NOT NULL,
            model_kind  text NOT NULL,
            model_hash  text NOT NULL,
            as_of_date  date NOT NULL,
            n           bigint NOT NULL,
            sum_abs     double precision NOT NULL,
            sum_sq      double precision NOT NULL,
            n_direction bigint NOT NULL,
            hits        bigint NOT NULL,
            PRIMARY KEY (market, model_kind, model_hash, as_of_date)
        );

        -- Per model and as-of date: n, MAE, RMSE and direction hit rate (the share of rows with a
        -- non-zero realised return whose predicted sign is the realised sign), the same over the
        -- model's last 20 trading days, and its MAE over the 120 trading days before those 20
        -- (the baseline the degradation alert compares with).
        CREATE VIEW model_accuracy_daily AS
        WITH d AS (
            SELECT model_kind, model_hash, as_of_date, sum(n) AS n, sum(sum_abs) AS sum_abs, sum(sum_sq) AS sum_sq,
                   sum(n_direction) AS n_direction, sum(hits) AS hits
            FROM accuracy_daily GROUP BY 1, 2, 3)
        SELECT model_kind, model_hash, as_of_date, n::bigint AS n,
               sum_abs / n AS mae, sqrt(sum_sq / n) AS rmse, hits::float8 / nullif(n_direction, 0) AS hit_rate,
               count(*) OVER w20 AS rolling_days_20, (sum(n) OVER w20)::bigint AS rolling_n_20,
               sum(sum_abs) OVER w20 / sum(n) OVER w20 AS rolling_mae_20,
               sqrt(sum(sum_sq) OVER w20 / sum(n) OVER w20) AS rolling_rmse_20,
               sum(hits) OVER w20::float8 / nullif(sum(n_direction) OVER w20, 0) AS rolling_hit_rate_20,
               count(*) OVER w120 AS baseline_days_120,
               sum(sum_abs) OVER w120 / nullif(sum(n) OVER w120, 0) AS baseline_mae_120
        FROM d
        WINDOW w20 AS (PARTITION BY model_kind, model_hash ORDER BY as_of_date ROWS BETWEEN 19 PRECEDING AND CURRENT ROW),
               w120 AS (PARTITION BY model_kind, model_hash ORDER BY as_of_date
                        ROWS BETWEEN 139 PRECEDING AND 20 PRECEDING);

        -- Degradation alerts: at most one per model and as-of date, whatever fired it.
        CREATE TABLE alerts (
            id          bigserial PRIMARY KEY,
            model_kind  text NOT NULL,
            model_hash  text NOT NULL,
            as_of_date  date NOT NULL,
            reasons     text[] NOT NULL,
            hit_rate_20 double precision,
            mae_20      double precision,
            baseline_mae_120 double precision,
            message     text NOT NULL,
            created_at  timestamptz NOT NULL DEFAULT now(),
            notified_at timestamptz,
            UNIQUE (model_kind, model_hash, as_of_date)
        );
        """
}
