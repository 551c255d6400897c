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

    /// Direct exchange that chunks and results are published to.
    public var exchange: String { prefix }
    /// Fanout exchange for dead letters.
    public var deadLetterExchange: String { "\(prefix).dlx" }
    /// Fanout exchange for control messages (cancel) to every worker.
    public var controlExchange: String { "\(prefix).control" }
    public var chunkQueue: String { "\(prefix).chunks" }
    public var resultQueue: String { "\(prefix).results" }
    public var deadLetterQueue: String { "\(prefix).dead" }
    public var chunkRoutingKey: String { "chunk" }
    public var resultRoutingKey: String { "result" }

    /// The queues operators watch, in display order.
    public var watchedQueues: [String] { [chunkQueue, resultQueue, deadLetterQueue] }

    public var topology: Topology {
        Topology(
            exchanges: [
                .init(name: exchange, type: "direct"),
                .init(name: deadLetterExchange, type: "fanout"),
                .init(name: controlExchange, type: "fanout"),
            ],
            queues: [
                .init(name: chunkQueue, arguments: Topology.quorumArguments(deliveryLimit: deliveryLimit, deadLetterExchange: deadLetterExchange)),
                .init(name: resultQueue, arguments: Topology.quorumArguments(deliveryLimit: deliveryLimit, deadLetterExchange: deadLetterExchange)),
                .init(name: deadLetterQueue, arguments: ["x-queue-type": .string("quorum")]),
            ],
            bindings: [
                .init(queue: chunkQueue, exchange: exchange, routingKey: chunkRoutingKey),
                .init(queue: resultQueue, exchange: exchange, routingKey: resultRoutingKey),
                .init(queue: deadLetterQueue, exchange: deadLetterExchange, routingKey: ""),
            ])
    }
}
