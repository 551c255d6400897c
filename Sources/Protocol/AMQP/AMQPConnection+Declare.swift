import CRabbitMQ
import Foundation

/// Channels, exchanges, queues and bindings (declared on the control channel).
extension AMQPConnection {
    // MARK: - Channels and declarations

    /// Opens a channel (idempotent).
    public func openChannel(_ channel: UInt16) throws {
        if openChannels.contains(channel) { return }
        let st = try live()
        _ = amqp_channel_open(st, channel)
        try checkRPC(channel: channel, "open channel \(channel)")
        openChannels.insert(channel)
    }

    /// Declares a durable exchange. Declaring it again with the same settings is a no-op.
    public func declareExchange(_ name: String, type: String, durable: Bool = true) throws {
        let st = try live()
        let ch = AMQPConnection.controlChannel
        try openChannel(ch)
        withAMQPBytes(name, type) { n, t in _ = amqp_exchange_declare(st, ch, n, t, 0, durable ? 1 : 0, 0, 0, amqp_empty_table) }
        try checkRPC(channel: ch, "declare exchange '\(name)'")
    }

    /// Declares a queue with arguments (`x-queue-type`, `x-delivery-limit`, …). Idempotent when
    /// the arguments match; the broker refuses (406) a re-declaration with different arguments.
    public func declareQueue(_ name: String, durable: Bool = true, exclusive: Bool = false, autoDelete: Bool = false,
                             arguments: [String: AMQPValue] = [:]) throws {
        let st = try live()
        let ch = AMQPConnection.controlChannel
        try openChannel(ch)
        AMQPTableCodec.withTable(arguments) { table in
            withAMQPBytes(name) { n in _ = amqp_queue_declare(st, ch, n, 0, durable ? 1 : 0, exclusive ? 1 : 0, autoDelete ? 1 : 0, table) }
        }
        try checkRPC(channel: ch, "declare queue '\(name)'")
    }

    /// Binds a queue to an exchange with a routing key.
    public func bindQueue(_ queue: String, exchange: String, routingKey: String) throws {
        let st = try live()
        let ch = AMQPConnection.controlChannel
        try openChannel(ch)
        withAMQPBytes(queue, exchange, routingKey) { q, e, k in _ = amqp_queue_bind(st, ch, q, e, k, amqp_empty_table) }
        try checkRPC(channel: ch, "bind queue '\(queue)' to '\(exchange)'")
    }

    /// Depth (ready messages) and consumer count of a queue, by passive declare.
    /// A missing queue throws a channel error with reply code 404.
    public func queueInfo(_ name: String) throws -> AMQPQueueInfo {
        let st = try live()
        let ch = AMQPConnection.controlChannel
        try openChannel(ch)
        guard let ok = withAMQPBytes(name, { n in amqp_queue_declare(st, ch, n, 1, 0, 0, 0, amqp_empty_table) }) else {
            try checkRPC(channel: ch, "inspect queue '\(name)'")
            throw AMQPError(.library, "inspect queue '\(name)': no reply")
        }
        return AMQPQueueInfo(name: name, ready: Int(ok.pointee.message_count), consumers: Int(ok.pointee.consumer_count))
    }

    /// Removes every ready message from a queue; returns how many were removed.
    @discardableResult
    public func purgeQueue(_ name: String) throws -> Int {
        let st = try live()
        let ch = AMQPConnection.controlChannel
        try openChannel(ch)
        guard let ok = withAMQPBytes(name, { n in amqp_queue_purge(st, ch, n) }) else {
            try checkRPC(channel: ch, "purge queue '\(name)'")
            return 0
        }
        return Int(ok.pointee.message_count)
    }

    /// Deletes a queue (tests and tear-down).
    public func deleteQueue(_ name: String) throws {
        let st = try live()
        let ch = AMQPConnection.controlChannel
        try openChannel(ch)
        withAMQPBytes(name) { n in _ = amqp_queue_delete(st, ch, n, 0, 0) }
        try checkRPC(channel: ch, "delete queue '\(name)'")
    }

    /// Deletes an exchange (tests and tear-down).
    public func deleteExchange(_ name: String) throws {
        let st = try live()
        let ch = AMQPConnection.controlChannel
        try openChannel(ch)
        withAMQPBytes(name) { n in _ = amqp_exchange_delete(st, ch, n, 0) }
        try checkRPC(channel: ch, "delete exchange '\(name)'")
    }
}
