import Foundation

/// Closebell's exchanges, queues and routing keys, all in one place.
///
/// Every name derives from `prefix` (default `closebell`), so tests and separate deployments on
/// one broker never mix. Work queues are durable quorum queues with a delivery limit that
/// dead-letter to `<prefix>.dlx` → `<prefix>.dead`.
public struct ClosebellTopology: Sendable {
    public let prefix: String
    /// Redeliveries before the broker dead-letters a message.
    public let deliveryLimit: Int

    public init(prefix: String = "closebell", deliveryLimit: Int = 5) {
        self.prefix = prefix
        self.deliveryLimit = deliveryLimit
    }

    /// Direct exchange the coordinator publishes chunks to.
    public var exchange: String { prefix }
    /// Direct exchange workers publish results (and `started`) to. Apart from the chunk
    /// exchange, so a worker's broker user can write results without being able to forge chunks.
    public var resultExchange: String { "\(prefix).results" }
    /// Fanout exchange for dead letters.
    public var deadLetterExchange: String { "\(prefix).dlx" }
    /// Fanout exchange for control messages (cancel) to every worker.
    public var controlExchange: String { "\(prefix).control" }
    public var chunkQueue: String { "\(prefix).chunks" }
    /// Chunks of high-priority runs: workers take from it first. (Quorum queues have no
    /// message priorities, so priority is a queue of its own.)
    public var highChunkQueue: String { "\(prefix).chunks.high" }
    public var resultQueue: String { "\(prefix).results" }
    public var deadLetterQueue: String { "\(prefix).dead" }
    public var chunkRoutingKey: String { "chunk" }
    public var highChunkRoutingKey: String { "chunk.high" }
    public var resultRoutingKey: String { "result" }

    /// The queues operators watch, in display order.
    public var watchedQueues: [String] { [chunkQueue, highChunkQueue, resultQueue, deadLetterQueue] }

    /// RabbitMQ permissions (configure, write, read regular expressions) of least privilege for
    /// each role: the coordinator manages everything under the prefix; a worker declares and
    /// reads only its own control queue, reads chunks, and writes results and dead letters.
    public func permissions(for role: Role) -> (configure: String, write: String, read: String) {
        let p = NSRegularExpression.escapedPattern(for: prefix)
        switch role {
        case .coordinator:
            return ("^\(p)(\\..*)?$", "^\(p)(\\..*)?$", "^\(p)(\\..*)?$")
        case .worker:
            return ("^\(p)\\.control\\..+$", "^\(p)\\.(results|dlx|control\\..+)$",
                    "^\(p)\\.(chunks|chunks\\.high|control|control\\..+)$")
        }
    }

    /// The two roles that talk to the broker.
    public enum Role: String, Sendable, CaseIterable { case coordinator, worker }

    public var topology: Topology {
        Topology(
            exchanges: [
                .init(name: exchange, type: "direct"),
                .init(name: resultExchange, type: "direct"),
                .init(name: deadLetterExchange, type: "fanout"),
                .init(name: controlExchange, type: "fanout"),
            ],
            queues: [
                .init(name: chunkQueue, arguments: Topology.quorumArguments(deliveryLimit: deliveryLimit, deadLetterExchange: deadLetterExchange)),
                .init(name: highChunkQueue, arguments: Topology.quorumArguments(deliveryLimit: deliveryLimit,
                                                                                deadLetterExchange: deadLetterExchange)),
                .init(name: resultQueue, arguments: Topology.quorumArguments(deliveryLimit: deliveryLimit, deadLetterExchange: deadLetterExchange)),
                .init(name: deadLetterQueue, arguments: ["x-queue-type": .string("quorum")]),
            ],
            bindings: [
                .init(queue: chunkQueue, exchange: exchange, routingKey: chunkRoutingKey),
                .init(queue: highChunkQueue, exchange: exchange, routingKey: highChunkRoutingKey),
                .init(queue: resultQueue, exchange: resultExchange, routingKey: resultRoutingKey),
                .init(queue: deadLetterQueue, exchange: deadLetterExchange, routingKey: ""),
            ])
    }
}
