import ClosebellProtocol
import ClosebellRuntime
import Foundation
import Metrics

/// The worker's metrics (names in ``MetricNames``): chunks and symbols by outcome, compute time,
/// models cached, last chunk time.
struct WorkerMetrics {
    let processed = Counter(label: MetricNames.workerChunks, dimensions: [("outcome", "processed")])
    let deadLettered = Counter(label: MetricNames.workerChunks, dimensions: [("outcome", "dead_lettered")])
    let cancelled = Counter(label: MetricNames.workerChunks, dimensions: [("outcome", "cancelled")])
    let predicted = Counter(label: MetricNames.workerSymbols, dimensions: [("outcome", "predicted")])
    let failed = Counter(label: MetricNames.workerSymbols, dimensions: [("outcome", "failed")])
    let skipped = Counter(label: MetricNames.workerSymbols, dimensions: [("outcome", "skipped")])
    let compute = Timer(label: MetricNames.workerChunkCompute)
    let modelsCached = Gauge(label: MetricNames.workerModelsCached)
    let lastChunk = Gauge(label: MetricNames.workerLastChunk)

    func chunkProcessed(_ r: ResultMessage, modelsCached models: Int) {
        processed.increment()
        predicted.increment(by: r.predictions.count)
        failed.increment(by: r.failures.count)
        skipped.increment(by: r.skips.count)
        compute.recordMicroseconds(r.computeMicros)
        modelsCached.record(models)
        lastChunk.record(Date().timeIntervalSince1970)
    }

    func chunkDeadLettered() { deadLettered.increment() }
    func chunkCancelled() { cancelled.increment() }
}
