import ClosebellProtocol
import Foundation

/// A broker in memory for fast tests of the coordinator: a chunk queue with a delivery limit
/// (as RabbitMQ's quorum queues have), a results queue and a dead-letter queue. The
/// coordinator uses it through ``RunBroker``; a test plays the workers with ``take(timeout:)``,
/// ``ack(_:)``, ``requeue(_:)``, ``reject(_:reason:)`` and ``publishResult(_:messageId:)``.
/// Safe from any thread.
public final class MemoryRunBroker: RunBroker, @unchecked Sendable {
    /// A chunk a worker took and has not yet acknowledged.
    public struct Taken: Sendable {
        public let tag: UInt64
        public let messageId: String
        public let body: [UInt8]
        /// How often the chunk was returned before (RabbitMQ's `x-delivery-count`).
        public let previousDeliveries: Int
    }

    struct Queued {
        var message: OutgoingMessage
        var returns = 0
    }

    /// Returns past which a chunk is dead-lettered (`x-delivery-limit`).
    public let deliveryLimit: Int
    private let cond = NSCondition()
    private var chunks: [Queued] = []
    private var highChunks: [Queued] = []
    private var unacked: [UInt64: Queued] = [:]
    private var inbox: [RunDelivery] = []
    private var nextTag: UInt64 = 0
    private var publishesToLose = 0
    /// Every chunk message published, in order (for tests to inspect).
    public private(set) var published: [OutgoingMessage] = []

    public init(deliveryLimit: Int = 3) { self.deliveryLimit = deliveryLimit }

    // MARK: The coordinator's side

    public func publish(_ messages: [OutgoingMessage]) throws -> Bool {
        locked {
            if publishesToLose > 0 {
                publishesToLose -= 1
                return false
            }
            published += messages
            for m in messages {
                if m.highPriority { highChunks.append(Queued(message: m)) } else { chunks.append(Queued(message: m)) }
            }
            cond.broadcast()
            return true
        }
    }

    public func receive(timeout: Duration, limit: Int, _ handle: ([RunDelivery]) throws -> Void) throws {
        let deadline = Date().addingTimeInterval(timeout.seconds)
        cond.lock()
        while inbox.isEmpty && cond.wait(until: deadline) {}
        let batch = Array(inbox.prefix(limit))
        inbox.removeFirst(batch.count)
        cond.unlock()
        guard !batch.isEmpty else { return }
        do { try handle(batch) } catch {
            locked { inbox = batch + inbox }  // not acknowledged: delivered again
            throw error
        }
    }

    public func queueStats() -> [AMQPQueueInfo] {
        locked {
            [AMQPQueueInfo(name: "memory.chunks", ready: chunks.count, consumers: 0),
             AMQPQueueInfo(name: "memory.chunks.high", ready: highChunks.count, consumers: 0),
             AMQPQueueInfo(name: "memory.results", ready: inbox.count, consumers: 1)]
        }
    }

    /// What ``chunkConsumers(high:)`` answers. Default nil (unknown).
    public var consumers: Int?

    public func chunkConsumers(high: Bool) -> Int? { consumers }

    public func connect() {}

    public func setConsuming(_ on: Bool) {}

    public var bufferedDeliveries: Int { 0 }

    public func keepAlive() {}

    public func close() {}

    /// Makes the next `count` publishes fail as a lost connection would (nothing is enqueued).
    public func losePublishes(_ count: Int) { locked { publishesToLose += count } }

    // MARK: The workers' side

    /// Takes the oldest ready high-priority chunk, else the oldest ready chunk, waiting up to
    /// `timeout` for one.
    public func take(timeout: Duration) -> Taken? {
        let deadline = Date().addingTimeInterval(timeout.seconds)
        cond.lock()
        defer { cond.unlock() }
        while chunks.isEmpty && highChunks.isEmpty && cond.wait(until: deadline) {}
        guard !chunks.isEmpty || !highChunks.isEmpty else { return nil }
        let q = highChunks.isEmpty ? chunks.removeFirst() : highChunks.removeFirst()
        nextTag += 1
        unacked[nextTag] = q
        return Taken(tag: nextTag, messageId: q.message.messageId, body: q.message.body, previousDeliveries: q.returns)
    }

    /// The worker is done with a chunk.
    public func ack(_ tag: UInt64) { locked { _ = unacked.removeValue(forKey: tag) } }

    /// The worker died holding the chunk: it goes back to the front of the queue, or to the
    /// dead letters once it was returned more than ``deliveryLimit`` times.
    public func requeue(_ tag: UInt64) {
        locked {
            guard var q = unacked.removeValue(forKey: tag) else { return }
            q.returns += 1
            if q.returns > deliveryLimit {
                let reason = "delivery limit reached (the chunk crashed or was rejected by workers after \(q.returns) deliveries)"
                inbox.append(RunDelivery(source: .deadLetters, body: q.message.body, messageId: q.message.messageId,
                                         deathReason: reason))
            } else if q.message.highPriority {
                highChunks.insert(q, at: 0)
            } else {
                chunks.insert(q, at: 0)
            }
            cond.broadcast()
        }
    }

    /// The worker refused the chunk (for example it cannot be decoded): straight to the dead letters.
    public func reject(_ tag: UInt64, reason: String) {
        locked {
            guard let q = unacked.removeValue(forKey: tag) else { return }
            inbox.append(RunDelivery(source: .deadLetters, body: q.message.body, messageId: q.message.messageId,
                                     deathReason: reason))
            cond.broadcast()
        }
    }

    /// A worker's `started` or `result` message.
    public func publishResult(_ body: [UInt8], messageId: String) {
        locked {
            inbox.append(RunDelivery(source: .results, body: body, messageId: messageId))
            cond.broadcast()
        }
    }

    /// Chunks ready and chunks taken but not acknowledged.
    public var depth: (ready: Int, unacked: Int) { locked { (chunks.count + highChunks.count, unacked.count) } }

    private func locked<T>(_ body: () throws -> T) rethrows -> T {
        cond.lock()
        defer { cond.unlock() }
        return try body()
    }
}
