import CRabbitMQ
import Foundation

/// Consuming, acknowledging, servicing the connection.
extension AMQPConnection {
    // MARK: - Consuming

    /// Limits unacknowledged deliveries on a channel.
    public func setPrefetch(channel: UInt16, count: Int) throws {
        let st = try live()
        try openChannel(channel)
        _ = amqp_basic_qos(st, channel, 0, UInt16(clamping: count), 0)
        try checkRPC(channel: channel, "set prefetch")
    }

    /// Starts consuming a queue with manual acknowledgements; returns the consumer tag.
    @discardableResult
    public func consume(channel: UInt16, queue: String) throws -> String {
        let st = try live()
        try openChannel(channel)
        guard let ok = withAMQPBytes(queue, { q in amqp_basic_consume(st, channel, q, amqp_empty_bytes, 0, 0, 0, amqp_empty_table) }) else {
            try checkRPC(channel: channel, "consume queue '\(queue)'")
            throw AMQPError(.library, "consume queue '\(queue)': no reply")
        }
        return ok.pointee.consumer_tag.string
    }

    /// Stops the consumer `consumerTag` and waits for the broker to confirm it. Deliveries it
    /// sent before that are buffered as usual (still unacknowledged, still this connection's) and
    /// handed out by ``nextDelivery(timeoutSeconds:)``; none come after.
    public func cancel(channel: UInt16, consumerTag: String, timeoutSeconds: Double = 30) throws {
        let st = try live()
        cancelConfirmed.remove(channel)
        let rc = withAMQPBytes(consumerTag) { tag -> Int32 in
            var m = amqp_basic_cancel_t(consumer_tag: tag, nowait: 0)
            return amqp_send_method(st, channel, CLOSEBELL_BASIC_CANCEL, &m)
        }
        try checkStatus(rc, "cancel consumer on channel \(channel)")
        let deadline = Date().addingTimeInterval(timeoutSeconds)
        while !cancelConfirmed.contains(channel) {
            let remaining = deadline.timeIntervalSinceNow
            guard remaining > 0 else { throw AMQPError(.library, "cancel consumer on channel \(channel): no reply") }
            try readFrame(timeoutSeconds: remaining)
        }
        cancelConfirmed.remove(channel)
    }

    /// The next delivery, waiting up to `timeoutSeconds` (nil: forever). Returns nil on timeout.
    /// Also services heartbeats and records confirms, so calling it often keeps the connection alive.
    public func nextDelivery(timeoutSeconds: Double?) throws -> AMQPDelivery? {
        if let d = popBuffered() { return d }
        let deadline = timeoutSeconds.map { Date().addingTimeInterval($0) }
        while true {
            var remaining: Double? = nil
            if let deadline {
                remaining = deadline.timeIntervalSinceNow
                if remaining! <= 0 { return nil }
            }
            try readFrame(timeoutSeconds: remaining)
            if let d = popBuffered() { return d }
        }
    }

    /// Reads frames for up to `timeoutSeconds` without handing out deliveries: services
    /// heartbeats and confirms while the owning thread waits for other work (a computation).
    public func service(timeoutSeconds: Double) throws {
        let deadline = Date().addingTimeInterval(timeoutSeconds)
        while true {
            let remaining = deadline.timeIntervalSinceNow
            if remaining <= 0 { return }
            try readFrame(timeoutSeconds: remaining)
        }
    }

    /// Deliveries already read from the socket and not yet handed out.
    public var bufferedDeliveries: Int { buffered.count - bufferedHead }

    func popBuffered() -> AMQPDelivery? {
        guard bufferedHead < buffered.count else { return nil }
        let d = buffered[bufferedHead]
        bufferedHead += 1
        if bufferedHead == buffered.count { buffered.removeAll(keepingCapacity: true); bufferedHead = 0 }
        return d
    }

    /// Acknowledges a delivery (and all before it on the channel when `multiple`).
    public func ack(channel: UInt16, deliveryTag: UInt64, multiple: Bool = false) throws {
        let st = try live()
        try checkStatus(amqp_basic_ack(st, channel, deliveryTag, multiple ? 1 : 0), "ack")
    }

    /// Negatively acknowledges a delivery; `requeue: false` dead-letters it.
    public func nack(channel: UInt16, deliveryTag: UInt64, requeue: Bool) throws {
        let st = try live()
        try checkStatus(amqp_basic_nack(st, channel, deliveryTag, 0, requeue ? 1 : 0), "nack")
    }

    /// Rejects a delivery; `requeue: false` dead-letters it.
    public func reject(channel: UInt16, deliveryTag: UInt64, requeue: Bool) throws {
        let st = try live()
        try checkStatus(amqp_basic_reject(st, channel, deliveryTag, requeue ? 1 : 0), "reject")
    }
}
