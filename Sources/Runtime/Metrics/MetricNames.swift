/// Every metric Closebell exports, named once (Prometheus conventions: `closebell_` prefix,
/// `_total` counters, `_seconds` in base units). Labels are noted beside each.
public enum MetricNames {
    // Worker.
    /// Chunks a worker finished, by `outcome`: `processed`, `dead_lettered`, `cancelled`.
    public static let workerChunks = "closebell_worker_chunks_total"
    /// Symbols a worker computed, by `outcome`: `predicted`, `failed`, `skipped`.
    public static let workerSymbols = "closebell_worker_symbols_total"
    /// Seconds a chunk's features and inference took (histogram).
    public static let workerChunkCompute = "closebell_worker_chunk_compute_seconds"
    /// Models the worker holds loaded.
    public static let workerModelsCached = "closebell_worker_models_cached"
    /// When the worker last finished a chunk (Unix seconds).
    public static let workerLastChunk = "closebell_worker_last_chunk_timestamp_seconds"

    // Coordinator, while a run goes on.
    /// The run's progress, 0 to 1.
    public static let runProgress = "closebell_run_progress_ratio"
    /// The run's symbols by `outcome`: `predicted`, `failed`, `skipped`, `open`.
    public static let runSymbols = "closebell_run_symbols"
    /// The run's chunks by `state`: `pending`, `published`, `done`, `failed`, `cancelled`.
    public static let runChunks = "closebell_run_chunks"
    /// Seconds since the run started in this process.
    public static let runSeconds = "closebell_run_seconds"
    /// Chunk attempts that failed and were scheduled again.
    public static let coordinatorRetries = "closebell_coordinator_retries_total"
    /// Dead letters taken from the dead-letter queue.
    public static let coordinatorDeadLetters = "closebell_coordinator_dead_letters_total"
    /// Results taken from the results queue, by `outcome`: `applied`, `duplicate`, `rejected`.
    public static let coordinatorResults = "closebell_coordinator_results_total"
    /// Seconds one result's transaction took (histogram).
    public static let coordinatorAggregate = "closebell_coordinator_aggregate_seconds"

    // Accuracy, evaluated after each ingest and each run.
    /// Degradation alerts fired, by `model_kind`.
    public static let accuracyAlerts = "closebell_accuracy_alerts_total"
    /// A model's rolling 20-trading-day direction hit rate, by `model_kind` (the dashboard adds
    /// `model_hash`).
    public static let modelHitRate = "closebell_model_rolling_hit_rate"
    /// A model's rolling 20-trading-day MAE (percentage points), by `model_kind`.
    public static let modelMAE = "closebell_model_rolling_mae"

    // The ledger, read by the dashboard at each scrape (it runs between cron's runs).
    /// Runs queued or running.
    public static let runsActive = "closebell_runs_active"
    /// 1 for the status of the newest finished run of each `kind` (`daily`, `backfill`, `retry`),
    /// 0 for the other finished statuses, by `kind` and `status`.
    public static let latestRunStatus = "closebell_latest_run_status"
    /// Failed symbols (entries, for a backfill) of the newest finished run, by `kind`.
    public static let latestRunFailedSymbols = "closebell_latest_run_failed_symbols"
    /// The newest finished run's id, by `kind`.
    public static let latestRunId = "closebell_latest_run_id"
    /// When the newest finished run ended (Unix seconds), by `kind`.
    public static let latestRunFinished = "closebell_latest_run_finished_timestamp_seconds"
    /// The newest as-of date a run completed, as Unix seconds at 00:00 UTC of it, by `market`.
    public static let latestPredictedDate = "closebell_latest_predicted_date_timestamp_seconds"
    /// 1 while a model's rolling accuracy is degraded under the alert policy, by `model_kind`
    /// and `model_hash` (its first 12 hex digits; empty for per-symbol model stores).
    public static let accuracyDegraded = "closebell_accuracy_degraded"

    // The broker, polled by the coordinator (and by the dashboard at each scrape).
    /// Messages in a queue, by `queue` and `state`: `ready`, `unacked` (management API only).
    public static let queueMessages = "closebell_queue_messages"
    /// Consumers of a queue, by `queue`.
    public static let queueConsumers = "closebell_queue_consumers"
}
