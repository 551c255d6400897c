/// A set of exchanges, queues and bindings, declared together and idempotently.
public struct Topology: Sendable {
    /// An exchange to declare.
    public struct Exchange: Sendable {
        public var name: String
        public var type: String
    }

    /// A queue to declare, with its arguments.
    public struct Queue: Sendable {
        public var name: String
        public var arguments: [String: AMQPValue]
    }

    /// A binding of a queue to an exchange.
    public struct Binding: Sendable {
        public var queue: String
        public var exchange: String
        public var routingKey: String
    }

    public var exchanges: [Exchange] = []
    public var queues: [Queue] = []
    public var bindings: [Binding] = []

    public init(exchanges: [Exchange] = [], queues: [Queue] = [], bindings: [Binding] = []) {
        self.exchanges = exchanges
        self.queues = queues
        self.bindings = bindings
    }

    /// Arguments for a durable quorum queue that dead-letters to `deadLetterExchange` after
    /// `deliveryLimit` redeliveries (RabbitMQ 3.10 sets no limit by default).
    public static func quorumArguments(deliveryLimit: Int, deadLetterExchange: String?) -> [String: AMQPValue] {
        var args: [String: AMQPValue] = ["x-queue-type": .string("quorum"), "x-delivery-limit": .int(Int64(deliveryLimit))]
        if let dlx = deadLetterExchange { args["x-dead-letter-exchange"] = .string(dlx) }
        return args
    }

    /// Declares everything; a second declaration of the same topology changes nothing.
    public func declare(on connection: AMQPConnection) throws {
        for e in exchanges { try connection.declareExchange(e.name, type: e.type) }
        for q in queues { try connection.declareQueue(q.name, arguments: q.arguments) }
        for b in bindings { try connection.bindQueue(b.queue, exchange: b.exchange, routingKey: b.routingKey) }
    }
}
