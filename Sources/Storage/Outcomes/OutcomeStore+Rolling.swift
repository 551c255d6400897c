import ClosebellCore

extension OutcomeStore {
    /// Each model's rolling accuracy on its latest as-of date with outcomes (or on the latest on
    /// or before `asOf`): the latest rows of `model_accuracy_daily`, which the degradation check
    /// reads after every run and ingest, from each model's last 140 as-of dates only.
    ///
    /// The view's windows run over a model's whole history, so reading its latest rows cost
    /// models × days (26 ms for 300 per-symbol models after two weeks, growing every day). Here
    /// the models are found by one step each along `accuracy_daily_by_model`, and each model's
    /// last 140 dates by a backward walk of it: the most the latest row's windows (its last 20
    /// days, and the 120 before them) reach. Those two windows are plain aggregates over the
    /// same rows, summed oldest first as the view's frames are, so the values are the view's to
    /// the last bit.
    public func rolling(asOf: Day? = nil) throws -> [RollingAccuracy] {
        try db.query("""
            WITH RECURSIVE \(Self.models),
            d AS (
                SELECT m.model_kind, m.model_hash, x.*
                FROM models m CROSS JOIN LATERAL (
                    SELECT y.*, row_number() OVER (ORDER BY y.as_of_date DESC) AS k FROM (
                        SELECT a.as_of_date, sum(a.n) AS n, sum(a.sum_abs) AS sum_abs,
                               sum(a.n_direction) AS n_direction, sum(a.hits) AS hits
                        FROM accuracy_daily a
                        WHERE a.model_kind = m.model_kind AND a.model_hash = m.model_hash
                          AND ($1::date IS NULL OR a.as_of_date <= $1)
                        GROUP BY a.as_of_date ORDER BY a.as_of_date DESC LIMIT 140) y) x)
            SELECT model_kind, model_hash, max(as_of_date)::text,
                   (sum(n) FILTER (WHERE k <= 20))::bigint,
                   sum(sum_abs ORDER BY as_of_date) FILTER (WHERE k <= 20) / sum(n) FILTER (WHERE k <= 20),
                   sum(hits) FILTER (WHERE k <= 20)::float8 / nullif(sum(n_direction) FILTER (WHERE k <= 20), 0),
                   sum(sum_abs ORDER BY as_of_date) FILTER (WHERE k > 20) / nullif(sum(n) FILTER (WHERE k > 20), 0),
                   count(*) FILTER (WHERE k > 20), count(*) FILTER (WHERE k <= 20)
            FROM d GROUP BY model_kind, model_hash ORDER BY model_kind, model_hash
            """, [asOf?.description]).decode(RollingAccuracy.init(row:))
    }

    /// Every model's rolling accuracy on each as-of date from `from` on, oldest first (the
    /// dashboard's charts): `model_accuracy_daily`'s rows, computed from each model's dates from
    /// `from` on and the 139 before them (what the first row's windows reach), not from its whole
    /// history. The windows are the view's, over the same rows, so the values are the view's.
    public func rollingHistory(from: Day) throws -> [RollingAccuracy] {
        try db.query("""
            WITH RECURSIVE \(Self.models),
            d AS (
                SELECT m.model_kind, m.model_hash, y.*
                FROM models m CROSS JOIN LATERAL (
                    SELECT a.as_of_date, sum(a.n) AS n, sum(a.sum_abs) AS sum_abs,
                           sum(a.n_direction) AS n_direction, sum(a.hits) AS hits
                    FROM accuracy_daily a
                    WHERE a.model_kind = m.model_kind AND a.model_hash = m.model_hash
                      AND a.as_of_date >= coalesce((
                          SELECT min(e.as_of_date) FROM (
                              SELECT DISTINCT b.as_of_date FROM accuracy_daily b
                              WHERE b.model_kind = m.model_kind AND b.model_hash = m.model_hash AND b.as_of_date < $1
                              ORDER BY b.as_of_date DESC LIMIT 139) e), $1)
                    GROUP BY a.as_of_date) y),
            w AS (
                SELECT model_kind, model_hash, as_of_date, (sum(n) OVER w20)::bigint AS n20,
                       sum(sum_abs) OVER w20 / sum(n) OVER w20 AS mae20,
                       sum(hits) OVER w20::float8 / nullif(sum(n_direction) OVER w20, 0) AS hit20,
                       sum(sum_abs) OVER w120 / nullif(sum(n) OVER w120, 0) AS mae120,
                       count(*) OVER w120 AS days120, count(*) OVER w20 AS days20
                FROM d
                WINDOW w20 AS (PARTITION BY model_kind, model_hash ORDER BY as_of_date
                               ROWS BETWEEN 19 PRECEDING AND CURRENT ROW),
                       w120 AS (PARTITION BY model_kind, model_hash ORDER BY as_of_date
                                ROWS BETWEEN 139 PRECEDING AND 20 PRECEDING))
            SELECT model_kind, model_hash, as_of_date::text, n20, mae20, hit20, mae120, days120, days20
            FROM w WHERE as_of_date >= $1 ORDER BY model_kind, model_hash, as_of_date
            """, [from.description]).decode(RollingAccuracy.init(row:))
    }

    /// The models of `accuracy_daily`, by one step each along `accuracy_daily_by_model` (a CTE
    /// named `models`, for a `WITH RECURSIVE`).
    static let models = """
        models AS (
                (SELECT model_kind, model_hash FROM accuracy_daily ORDER BY model_kind, model_hash LIMIT 1)
                UNION ALL
                SELECT nxt.model_kind, nxt.model_hash FROM models m CROSS JOIN LATERAL (
                    SELECT a.model_kind, a.model_hash FROM accuracy_daily a
                    WHERE (a.model_kind, a.model_hash) > (m.model_kind, m.model_hash)
                    ORDER BY a.model_kind, a.model_hash LIMIT 1) nxt)
        """
}
