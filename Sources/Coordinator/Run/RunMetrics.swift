import ClosebellProtocol
import ClosebellRuntime
import ClosebellStorage
import Foundation
import Metrics

/// The coordinator's metrics while a run goes on (names in ``MetricNames``).
struct RunMetrics {
    let progress = Gauge(label: MetricNames.runProgress)
    let seconds = Gauge(label: MetricNames.runSeconds)
    let retries = Counter(label: MetricNames.coordinatorRetries)
    let deadLetters = Counter(label: MetricNames.coordinatorDeadLetters)
    let aggregate = Timer(label: MetricNames.coordinatorAggregate)

    func symbols(_ outcome: String) -> Gauge { Gauge(label: MetricNames.runSymbols, dimensions: [("outcome", outcome)]) }
    func chunks(_ state: ChunkStatus) -> Gauge { Gauge(label: MetricNames.runChunks, dimensions: [("state", state.rawValue)]) }
    // One per result, on the aggregation path: made once, not looked up per result.
    let applied = Counter(label: MetricNames.coordinatorResults, dimensions: [("outcome", "applied")])
    let duplicates = Counter(label: MetricNames.coordinatorResults, dimensions: [("outcome", "duplicate")])
    let rejected = Counter(label: MetricNames.coordinatorResults, dimensions: [("outcome", "rejected")])

    /// The run's counts and chunk states, at a progress tick.
    func update(_ r: RunRecord, chunks: [ChunkStatus: Int], since started: Date) {
        progress.record(r.progress / 100)
        seconds.record(Date().timeIntervalSince(started))
        symbols("predicted").record(r.succeeded)
        symbols("failed").record(r.failed)
        symbols("skipped").record(r.skipped)
        symbols("open").record(r.total - r.processed)
        for state in ChunkStatus.allCases { self.chunks(state).record(chunks[state] ?? 0) }
    }

    /// Queue depth and consumers polled from the broker.
    func queues(_ stats: [AMQPQueueInfo]) {
        for q in stats {
            Gauge(label: MetricNames.queueMessages, dimensions: [("queue", q.name), ("state", "ready")]).record(q.ready)
            Gauge(label: MetricNames.queueConsumers, dimensions: [("queue", q.name)]).record(q.consumers)
        }
    }
}
