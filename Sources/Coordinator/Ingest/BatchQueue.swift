import ClosebellStorage
import Foundation

/// Parsed batches handed from the parsing thread to the loader, at most `capacity` waiting.
final class BatchQueue: @unchecked Sendable {
    private let cond = NSCondition()
    private var items: [[ParsedDailyFile]] = []
    private var closed = false
    private var cancelled = false
    let capacity: Int

    init(capacity: Int) { self.capacity = max(1, capacity) }

    var isCancelled: Bool { cond.lock(); defer { cond.unlock() }; return cancelled }

    /// Waits for room, then adds a batch (dropped once the loader stopped).
    func put(_ batch: [ParsedDailyFile]) {
        guard !batch.isEmpty else { return }
        cond.lock()
        defer { cond.unlock() }
        while items.count >= capacity && !cancelled { cond.wait() }
        if cancelled { return }
        items.append(batch)
        cond.broadcast()
    }

    /// The next batch; nil once the producer closed the queue and it is empty.
    func take() -> [ParsedDailyFile]? {
        cond.lock()
        defer { cond.unlock() }
        while items.isEmpty && !closed { cond.wait() }
        guard !items.isEmpty else { return nil }
        cond.broadcast()
        return items.removeFirst()
    }

    func close() { cond.lock(); closed = true; cond.broadcast(); cond.unlock() }

    /// The loader stopped: wake and stop the producer.
    func cancel() { cond.lock(); cancelled = true; cond.broadcast(); cond.unlock() }
}
