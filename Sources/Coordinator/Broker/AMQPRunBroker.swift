import ClosebellCore
import ClosebellProtocol
import ClosebellRuntime
import Foundation
import Logging

/// The coordinator's side of RabbitMQ: chunks published with confirms on one channel, results
/// and dead letters consumed on two others, all on one connection used from one thread.
/// A lost connection is re-opened; it throws once the broker stayed away longer than
/// `giveUpAfter`.
public final class AMQPRunBroker: RunBroker {
    let session: AMQPSession
    let consumers: ConsumerState
    let url: AMQPURL
    let topology: ClosebellTopology
    let logger: Logger

    static let publishChannel = ClosebellChannels.publish
    static let resultChannel = ClosebellChannels.consume
    static let deadChannel = ClosebellChannels.secondary

    /// Results the broker may push before they are acknowledged: they wait in this process's
    /// memory, so a backfill (whose results hold thousands of predictions each) takes fewer.
    public init(url: AMQPURL, topology: ClosebellTopology, giveUpAfter: Duration, resultPrefetch: Int = 500,
                logger: Logger) {
        self.topology = topology
        self.url = url
        self.logger = logger
        let t = topology, state = ConsumerState()
        consumers = state
        session = AMQPSession(url: url, topology: t.topology, logger: logger) { c in
            try c.enableConfirms(channel: Self.publishChannel)
            try c.setPrefetch(channel: Self.resultChannel, count: resultPrefetch)
            try c.setPrefetch(channel: Self.deadChannel, count: 100)
            state.tags = [:]
            if state.consuming { try Self.startConsuming(c, t, state) }
        }
        session.giveUpAfterSeconds = giveUpAfter.seconds
    }

    public func publish(_ chunks: [OutgoingMessage]) throws -> Bool {
        let t = topology
        do {
            try session.withConnection { c in
                for m in chunks {
                    try c.publish(channel: Self.publishChannel, exchange: t.exchange,
                                  routingKey: m.highPriority ? t.highChunkRoutingKey : t.chunkRoutingKey,
                                  body: m.body, properties: .init(messageId: m.messageId, type: WireFormat.Kind.chunk.typeName))
                    if c.outstandingConfirms(channel: Self.publishChannel) >= 256 {
                        try c.waitForConfirms(channel: Self.publishChannel, maxOutstanding: 128)
                    }
                }
                try c.waitForConfirms(channel: Self.publishChannel)
            }
            return true
        } catch let e as AMQPError where e.isConnectionLoss {
            logger.warning("broker lost while publishing; will publish again", metadata: [LogKey.error: "\(e)"])
            _ = try session.connection()  // reconnects, or throws once the broker stayed away too long
            return false
        }
    }

    public func receive(timeout: Duration, limit: Int, _ handle: ([RunDelivery]) throws -> Void) throws {
        let deadline = Date().addingTimeInterval(timeout.seconds)
        do {
            try session.withConnection { c in
                // Wait for the first delivery; then take only what has already arrived, so the
                // caller can notice the run is complete as soon as the last result is applied.
                var batch: [AMQPDelivery] = []
                while batch.count < limit {
                    let remaining = batch.isEmpty ? deadline.timeIntervalSinceNow : 0.0005
                    guard remaining > 0, let d = try c.nextDelivery(timeoutSeconds: remaining) else { break }
                    batch.append(d)
                }
                guard !batch.isEmpty else { return }
                try handle(batch.map { d in
                    let dead = d.channel != Self.resultChannel
                    return RunDelivery(source: dead ? .deadLetters : .results, body: d.body,
                                       messageId: d.properties.messageId, deathReason: dead ? Self.deathReason(d) : "")
                })
                for d in batch { try c.ack(channel: d.channel, deliveryTag: d.deliveryTag) }
            }
        } catch let e as AMQPError where e.isConnectionLoss {
            logger.warning("broker lost; reconnecting (unacked results will be delivered again)",
                           metadata: [LogKey.error: "\(e)"])
            _ = try session.connection()  // reconnects, or throws once the broker stayed away too long
        }
    }

    public func queueStats() -> [AMQPQueueInfo] {
        let names = topology.watchedQueues
        return (try? session.withConnection { c in try names.map { try c.queueInfo($0) } }) ?? []
    }

    public func chunkConsumers(high: Bool) -> Int? {
        let queue = high ? topology.highChunkQueue : topology.chunkQueue
        // On the run's own connection when it is up (``connect()``): a second one cost a handshake.
        if session.isConnected { return try? session.withConnection { try $0.queueInfo(queue).consumers } }
        guard let c = try? AMQPConnection(url: url, heartbeatSeconds: 0) else { return nil }
        defer { c.close() }
        return try? c.queueInfo(queue).consumers
    }

    public func connect() { session.connectOnce() }

    public func setConsuming(_ on: Bool) throws {
        guard on != consumers.consuming else { return }
        consumers.consuming = on
        guard session.isConnected else { return }  // the next connection honours it
        do {
            try session.withConnection { c in
                if on { return try Self.startConsuming(c, topology, consumers) }
                for (channel, tag) in consumers.tags.sorted(by: { $0.key < $1.key }) {
                    try c.cancel(channel: channel, consumerTag: tag)
                }
                consumers.tags = [:]
            }
        } catch let e as AMQPError where e.isConnectionLoss {
            logger.warning("broker lost; reconnecting when next needed", metadata: [LogKey.error: "\(e)"])
        } catch where !on {
            // A cancel the broker did not confirm leaves the consumers' state unknown: the
            // connection is dropped (its unacked deliveries go back to the queue), and the next
            // one consumes nothing until asked.
            logger.warning("could not stop consuming; dropping the broker connection", metadata: [LogKey.error: "\(error)"])
            consumers.tags = [:]
            session.reset()
        }
    }

    public var bufferedDeliveries: Int { session.isConnected ? (try? session.connection().bufferedDeliveries) ?? 0 : 0 }

    public func keepAlive() {
        guard session.isConnected else { return }
        try? session.withConnection { try $0.service(timeoutSeconds: 0.001) }
    }

    static func startConsuming(_ c: AMQPConnection, _ t: ClosebellTopology, _ state: ConsumerState) throws {
        state.tags[resultChannel] = try c.consume(channel: resultChannel, queue: t.resultQueue)
        state.tags[deadChannel] = try c.consume(channel: deadChannel, queue: t.deadLetterQueue)
    }

    /// Whether results and dead letters are being taken, and the current connection's consumers.
    final class ConsumerState {
        var consuming = true
        var tags: [UInt16: String] = [:]
    }

    public func close() { session.close() }

    /// The worker's reason (`x-closebell-error`) or the broker's (`x-death` reason, e.g. `delivery_limit`).
    static func deathReason(_ d: AMQPDelivery) -> String {
        if let e = d.properties.headers["x-closebell-error"]?.stringValue { return RawText.display(e, limit: 500) }
        if let death = d.properties.headers["x-death"]?.arrayValue?.first?.tableValue {
            let reason = death["reason"]?.stringValue ?? "?"
            let count = death["count"]?.intValue.map { " after \($0) deliveries" } ?? ""
            return reason == "delivery_limit"
                ? "delivery limit reached (the chunk crashed or was rejected by workers\(count))" : reason
        }
        return d.properties.headers["x-first-death-reason"]?.stringValue ?? "unknown reason"
    }
}
