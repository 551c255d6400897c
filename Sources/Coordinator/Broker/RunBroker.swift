import ClosebellProtocol

/// What a run needs from the message broker: publish chunks with confirms, receive results
/// and dead letters, acknowledge each after it was applied, and report queue depth.
///
/// ``AMQPRunBroker`` is RabbitMQ; ``MemoryRunBroker`` keeps the queues in memory, so the
/// coordinator's timeout, retry, dead-letter and cancel logic can be tested without a broker
/// (the way swift-jobs has `MemoryJobQueue` beside its real drivers). Used from one thread.
public protocol RunBroker: AnyObject {
    /// Publishes the chunks and returns true once the broker confirmed every one; false when
    /// the connection was lost on the way (the caller publishes them again later). Throws
    /// when the broker stayed away longer than the caller allows.
    func publish(_ chunks: [OutgoingMessage]) throws -> Bool

    /// Waits up to `timeout` for a result or dead letter, then hands it and every one that has
    /// already arrived (at most `limit`) to `handle` as one batch, acknowledging them after
    /// `handle` returned. When `handle` throws none is acknowledged: the broker delivers them again.
    func receive(timeout: Duration, limit: Int, _ handle: ([RunDelivery]) throws -> Void) throws

    /// Depth and consumers of the watched queues (empty when the broker cannot be asked).
    func queueStats() -> [AMQPQueueInfo]

    /// Workers consuming the chunk queue (the high-priority one with `high`), asked once without
    /// waiting for an unreachable broker; nil when unknown. Used to size a run's chunks.
    func chunkConsumers(high: Bool) -> Int?

    /// Connects now, trying once and without waiting for an unreachable broker (publishing and
    /// receiving connect, and retry, whenever they need to): the handshake is then done while the
    /// run waits for its database connections, not after.
    func connect()
    /// Takes results and dead letters (true, as from the start) or stops taking them (false),
    /// keeping the connection: a resident coordinator between runs is then no consumer of the
    /// results queue, so no other coordinator's results wait in it. Deliveries that arrived
    /// before the broker confirmed the stop are still handed out by ``receive(timeout:limit:_:)``.
    func setConsuming(_ on: Bool) throws
    /// Deliveries already received and not yet handed out.
    var bufferedDeliveries: Int { get }
    /// Services the connection's heartbeats while nothing else uses it (a resident coordinator
    /// between runs). Never throws; a lost connection is opened again when next needed.
    func keepAlive()
    /// Closes the connection.
    func close()
}

/// A message on its way to the chunk queue.
public struct OutgoingMessage: Sendable {
    public var messageId: String
    public var body: [UInt8]
    /// Goes to the high-priority chunk queue, which workers drain first.
    public var highPriority: Bool

    public init(messageId: String, body: [UInt8], highPriority: Bool = false) {
        self.messageId = messageId
        self.body = body
        self.highPriority = highPriority
    }
}

/// A message the coordinator receives: a worker's `started` or `result`, or a dead letter.
public struct RunDelivery: Sendable {
    /// Which queue a delivery came from.
    public enum Source: Sendable { case results, deadLetters }

    public var source: Source
    public var body: [UInt8]
    public var messageId: String?
    /// For dead letters: the worker's reason, or the broker's (for example its delivery limit).
    public var deathReason: String

    public init(source: Source, body: [UInt8], messageId: String?, deathReason: String = "") {
        self.source = source
        self.body = body
        self.messageId = messageId
        self.deathReason = deathReason
    }
}
