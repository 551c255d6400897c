import CRabbitMQ
import Foundation

/// Runs `body` with the string as `amqp_bytes_t`, valid only inside `body`.
func withAMQPBytes<R>(_ a: String, _ body: (amqp_bytes_t) throws -> R) rethrows -> R {
    var a = a
    return try a.withUTF8 { ua in
        try body(amqp_bytes_t(len: ua.count, bytes: UnsafeMutableRawPointer(mutating: ua.baseAddress)))
    }
}

func withAMQPBytes<R>(_ a: String, _ b: String, _ body: (amqp_bytes_t, amqp_bytes_t) throws -> R) rethrows -> R {
    try withAMQPBytes(a) { x in try withAMQPBytes(b) { y in try body(x, y) } }
}

func withAMQPBytes<R>(_ a: String, _ b: String, _ c: String, _ body: (amqp_bytes_t, amqp_bytes_t, amqp_bytes_t) throws -> R) rethrows -> R {
    try withAMQPBytes(a, b) { x, y in try withAMQPBytes(c) { z in try body(x, y, z) } }
}

/// One AMQP 0-9-1 connection to RabbitMQ, over rabbitmq-c.
///
/// rabbitmq-c is not thread-safe and services heartbeats only inside its own calls, so a
/// connection belongs to exactly one thread for its whole life and must be called regularly
/// (``nextDelivery(timeout:)`` with a short timeout is enough). All calls block.
///
/// Deliveries, publisher confirms and returned messages arrive through one frame loop:
/// waiting for confirms buffers any deliveries that arrive meanwhile, and waiting for a delivery
/// records any confirms that arrive meanwhile.
public final class AMQPConnection {
    public let url: AMQPURL
    private var state: amqp_connection_state_t?
    private var openChannels: Set<UInt16> = []
    private var buffered: [AMQPDelivery] = []
    private var bufferedHead = 0
    private var confirms: [UInt16: ConfirmState] = [:]

    private struct ConfirmState {
        var nextSeq: UInt64 = 1
        var outstanding: [UInt64] = []
        var nacked: [UInt64] = []
        var returned: [AMQPReturnedMessage] = []
    }

    /// The channel used for declarations and passive queue look-ups, so that a broker error
    /// there (404 on a missing queue) never closes a consuming or publishing channel.
    public static let controlChannel: UInt16 = 1

    /// Opens a connection and logs in. Throws ``AMQPError`` with a one-line reason on failure.
    public init(url: AMQPURL, heartbeatSeconds: Int = 30, connectTimeoutSeconds: Int = 5, name: String = "closebell") throws {
        self.url = url
        guard let st = amqp_new_connection() else { throw AMQPError(.library, "cannot allocate connection") }
        guard let socket = amqp_tcp_socket_new(st) else {
            amqp_destroy_connection(st)
            throw AMQPError(.library, "cannot allocate socket")
        }
        var tv = timeval(tv_sec: connectTimeoutSeconds, tv_usec: 0)
        let rc = amqp_socket_open_noblock(socket, url.host, Int32(url.port), &tv)
        if rc != AMQP_STATUS_OK.rawValue {
            amqp_destroy_connection(st)
            throw AMQPError(.connection, "cannot connect to broker at \(url.host):\(url.port): \(String(cString: amqp_error_string2(rc)))")
        }
        var rpcTimeout = timeval(tv_sec: 30, tv_usec: 0)
        amqp_set_rpc_timeout(st, &rpcTimeout)
        let reply = closebell_amqp_login_plain(st, url.vhost, 0, 131_072, Int32(heartbeatSeconds), url.user, url.password)
        if reply.reply_type != AMQP_RESPONSE_NORMAL {
            let err = AMQPConnection.describe(reply, context: "login to \(url) failed")
            amqp_destroy_connection(st)
            if reply.reply_type == AMQP_RESPONSE_LIBRARY_EXCEPTION, reply.library_error == AMQP_STATUS_CONNECTION_CLOSED.rawValue {
                throw AMQPError(.connection, "login to \(url) refused: wrong user or password, or no access to vhost '\(url.vhost)'")
            }
            throw err
        }
        state = st
        try openChannel(AMQPConnection.controlChannel)
    }

    deinit { close() }

    /// True until the connection is closed or found broken.
    public var isOpen: Bool { state != nil }

    /// Closes the connection politely if it is still open; never throws.
    public func close() {
        guard let st = state else { return }
        state = nil
        _ = amqp_connection_close(st, Int32(AMQP_REPLY_SUCCESS))
        amqp_destroy_connection(st)
    }

    private func live() throws -> amqp_connection_state_t {
        guard let st = state else { throw AMQPError(.connection, "connection to \(url.host):\(url.port) is closed") }
        return st
    }

    /// Drops a connection that failed; the socket is destroyed without a handshake.
    private func markBroken() {
        if let st = state { amqp_destroy_connection(st) }
        state = nil
    }

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

    // MARK: - Publishing with confirms

    /// Puts a channel into publisher-confirm mode.
    public func enableConfirms(channel: UInt16) throws {
        let st = try live()
        try openChannel(channel)
        if confirms[channel] != nil { return }
        _ = amqp_confirm_select(st, channel)
        try checkRPC(channel: channel, "enable publisher confirms")
        confirms[channel] = ConfirmState()
    }

    /// Publishes one persistent message; returns its confirm sequence number (0 without confirms).
    /// Does not wait: call ``waitForConfirms(channel:maxOutstanding:timeoutSeconds:)`` to bound the
    /// window of unconfirmed messages and to learn about nacks and returns.
    @discardableResult
    public func publish(channel: UInt16, exchange: String, routingKey: String, body: [UInt8],
                        properties: AMQPMessageProperties = .init(), mandatory: Bool = true) throws -> UInt64 {
        let st = try live()
        try openChannel(channel)
        var rc: Int32 = 0
        withProperties(properties) { props in
            body.withUnsafeBytes { raw in
                let bytes = amqp_bytes_t(len: raw.count, bytes: UnsafeMutableRawPointer(mutating: raw.baseAddress))
                rc = withAMQPBytes(exchange, routingKey) { ex, rk in
                    amqp_basic_publish(st, channel, ex, rk, mandatory ? 1 : 0, 0, props, bytes)
                }
            }
        }
        if rc != AMQP_STATUS_OK.rawValue {
            markBroken()
            throw AMQPError(.connection, "publish to '\(exchange)' failed: \(String(cString: amqp_error_string2(rc)))")
        }
        guard var cs = confirms[channel] else { return 0 }
        let seq = cs.nextSeq
        cs.nextSeq += 1
        cs.outstanding.append(seq)
        confirms[channel] = cs
        return seq
    }

    /// Messages published on a confirm channel that the broker has not yet confirmed.
    public func outstandingConfirms(channel: UInt16) -> Int { confirms[channel]?.outstanding.count ?? 0 }

    /// Reads frames until at most `maxOutstanding` messages remain unconfirmed. Throws
    /// ``AMQPError/Kind/nacked`` or ``AMQPError/Kind/unroutable`` if the broker refused or returned
    /// any message since the last call; deliveries that arrive meanwhile are kept for the consumer.
    public func waitForConfirms(channel: UInt16, maxOutstanding: Int = 0, timeoutSeconds: Double = 30) throws {
        guard confirms[channel] != nil else { return }
        let deadline = Date().addingTimeInterval(timeoutSeconds)
        while (confirms[channel]?.outstanding.count ?? 0) > maxOutstanding {
            let remaining = deadline.timeIntervalSinceNow
            if remaining <= 0 {
                throw AMQPError(.timeout, "\(confirms[channel]!.outstanding.count) published messages unconfirmed after \(timeoutSeconds)s")
            }
            try readFrame(timeoutSeconds: remaining)
        }
        if var cs = confirms[channel], !cs.nacked.isEmpty || !cs.returned.isEmpty {
            let nacked = cs.nacked, returned = cs.returned
            cs.nacked = []; cs.returned = []
            confirms[channel] = cs
            if let r = returned.first {
                throw AMQPError(.unroutable, "\(returned.count) message(s) unroutable: exchange '\(r.exchange)' routing key '\(r.routingKey)' (\(r.replyText))", replyCode: r.replyCode)
            }
            throw AMQPError(.nacked, "broker refused \(nacked.count) message(s) (sequence \(nacked.prefix(5).map(String.init).joined(separator: ",")))")
        }
    }

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

    private func popBuffered() -> AMQPDelivery? {
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

    // MARK: - The frame loop

    /// Reads and handles one frame, or returns after the timeout.
    private func readFrame(timeoutSeconds: Double?) throws {
        let st = try live()
        var frame = amqp_frame_t()
        let rc: Int32
        if let t = timeoutSeconds {
            let micros = max(0, Int(t * 1_000_000))
            var tv = timeval(tv_sec: micros / 1_000_000, tv_usec: Int(micros % 1_000_000))
            rc = amqp_simple_wait_frame_noblock(st, &frame, &tv)
        } else {
            rc = amqp_simple_wait_frame(st, &frame)
        }
        if rc == AMQP_STATUS_TIMEOUT.rawValue { return }
        if rc != AMQP_STATUS_OK.rawValue {
            markBroken()
            throw AMQPError(.connection, "connection to \(url.host):\(url.port) lost: \(String(cString: amqp_error_string2(rc)))")
        }
        defer { if let st = state { amqp_maybe_release_buffers(st) } }
        guard frame.frame_type == UInt8(AMQP_FRAME_METHOD) else { return }
        let channel = frame.channel
        let method = frame.payload.method
        switch method.id {
        case CLOSEBELL_BASIC_DELIVER:
            let d = method.decoded.assumingMemoryBound(to: amqp_basic_deliver_t.self).pointee
            let tag = d.delivery_tag, redelivered = d.redelivered != 0
            let exchange = d.exchange.string, routingKey = d.routing_key.string
            let (props, body) = try readContent(channel: channel)
            buffered.append(AMQPDelivery(channel: channel, deliveryTag: tag, redelivered: redelivered,
                                         exchange: exchange, routingKey: routingKey, body: body, properties: props))
        case CLOSEBELL_BASIC_ACK:
            let a = method.decoded.assumingMemoryBound(to: amqp_basic_ack_t.self).pointee
            settle(channel: channel, tag: a.delivery_tag, multiple: a.multiple != 0, nacked: false)
        case CLOSEBELL_BASIC_NACK:
            let n = method.decoded.assumingMemoryBound(to: amqp_basic_nack_t.self).pointee
            settle(channel: channel, tag: n.delivery_tag, multiple: n.multiple != 0, nacked: true)
        case CLOSEBELL_BASIC_RETURN:
            let r = method.decoded.assumingMemoryBound(to: amqp_basic_return_t.self).pointee
            let code = r.reply_code, text = r.reply_text.string, ex = r.exchange.string, rk = r.routing_key.string
            let (props, _) = try readContent(channel: channel)
            confirms[channel, default: ConfirmState()].returned.append(
                AMQPReturnedMessage(replyCode: code, replyText: text, exchange: ex, routingKey: rk, messageId: props.messageId))
        case CLOSEBELL_CHANNEL_CLOSE:
            let c = method.decoded.assumingMemoryBound(to: amqp_channel_close_t.self).pointee
            let code = c.reply_code, text = c.reply_text.string
            acknowledgeChannelClose(channel)
            throw AMQPError(.channelClosed, "broker closed channel \(channel): \(text)", replyCode: code)
        case CLOSEBELL_CONNECTION_CLOSE:
            let c = method.decoded.assumingMemoryBound(to: amqp_connection_close_t.self).pointee
            let code = c.reply_code, text = c.reply_text.string
            var ok = amqp_connection_close_ok_t(dummy: 0)
            _ = amqp_send_method(st, 0, CLOSEBELL_CONNECTION_CLOSE_OK, &ok)
            markBroken()
            throw AMQPError(.connectionClosed, "broker closed the connection: \(text)", replyCode: code)
        case CLOSEBELL_BASIC_CANCEL:
            throw AMQPError(.channelClosed, "broker cancelled the consumer on channel \(channel) (queue deleted?)")
        default:
            return
        }
    }

    private func settle(channel: UInt16, tag: UInt64, multiple: Bool, nacked: Bool) {
        guard var cs = confirms[channel] else { return }
        if multiple {
            let end = partitionIndex(cs.outstanding, tag)  // first index with seq > tag
            if nacked { cs.nacked.append(contentsOf: cs.outstanding[..<end]) }
            cs.outstanding.removeFirst(end)
        } else {
            let i = partitionIndex(cs.outstanding, tag) - 1
            if i >= 0, cs.outstanding[i] == tag {
                cs.outstanding.remove(at: i)
                if nacked { cs.nacked.append(tag) }
            }
        }
        confirms[channel] = cs
    }

    private func partitionIndex(_ sorted: [UInt64], _ tag: UInt64) -> Int {
        var lo = 0, hi = sorted.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if sorted[mid] <= tag { lo = mid + 1 } else { hi = mid }
        }
        return lo
    }

    /// Reads the header and body frames that follow a deliver or return method.
    private func readContent(channel: UInt16) throws -> (AMQPMessageProperties, [UInt8]) {
        let st = try live()
        var message = amqp_message_t()
        let reply = amqp_read_message(st, channel, &message, 0)
        if reply.reply_type != AMQP_RESPONSE_NORMAL {
            let err = AMQPConnection.describe(reply, context: "read message body")
            markBroken()
            throw err
        }
        defer { amqp_destroy_message(&message) }
        return (AMQPConnection.decodeProperties(message.properties), message.body.array)
    }

    static func decodeProperties(_ p: amqp_basic_properties_t) -> AMQPMessageProperties {
        var out = AMQPMessageProperties()
        if p._flags & CLOSEBELL_PROP_MESSAGE_ID != 0 { out.messageId = p.message_id.string }
        if p._flags & CLOSEBELL_PROP_TYPE != 0 { out.type = p.type.string }
        if p._flags & CLOSEBELL_PROP_CONTENT_TYPE != 0 { out.contentType = p.content_type.string }
        if p._flags & CLOSEBELL_PROP_HEADERS != 0 { out.headers = AMQPTableCodec.decode(p.headers) }
        return out
    }

    private func withProperties(_ properties: AMQPMessageProperties, _ body: (UnsafePointer<amqp_basic_properties_t>) -> Void) {
        var props = amqp_basic_properties_t()
        props._flags = CLOSEBELL_PROP_DELIVERY_MODE
        props.delivery_mode = 2  // persistent
        let id = properties.messageId.map { strdup($0)! }
        let type = properties.type.map { strdup($0)! }
        let ct = properties.contentType.map { strdup($0)! }
        defer { id.map { free($0) }; type.map { free($0) }; ct.map { free($0) } }  // outlive the call below
        if let id { props._flags |= CLOSEBELL_PROP_MESSAGE_ID; props.message_id = amqp_cstring_bytes(id) }
        if let type { props._flags |= CLOSEBELL_PROP_TYPE; props.type = amqp_cstring_bytes(type) }
        if let ct { props._flags |= CLOSEBELL_PROP_CONTENT_TYPE; props.content_type = amqp_cstring_bytes(ct) }
        AMQPTableCodec.withTable(properties.headers) { table in
            if !properties.headers.isEmpty { props._flags |= CLOSEBELL_PROP_HEADERS; props.headers = table }
            body(&props)
        }
    }

    // MARK: - Errors

    private func acknowledgeChannelClose(_ channel: UInt16) {
        guard let st = state else { return }
        var ok = amqp_channel_close_ok_t(dummy: 0)
        _ = amqp_send_method(st, channel, CLOSEBELL_CHANNEL_CLOSE_OK, &ok)
        openChannels.remove(channel)
        confirms[channel] = nil
    }

    private func checkStatus(_ rc: Int32, _ what: String) throws {
        if rc != AMQP_STATUS_OK.rawValue {
            markBroken()
            throw AMQPError(.connection, "\(what) failed: \(String(cString: amqp_error_string2(rc)))")
        }
    }

    private func checkRPC(channel: UInt16, _ what: String) throws {
        guard let st = state else { throw AMQPError(.connection, "\(what): connection is closed") }
        let reply = amqp_get_rpc_reply(st)
        if reply.reply_type == AMQP_RESPONSE_NORMAL { return }
        let err = AMQPConnection.describe(reply, context: what)
        switch err.kind {
        case .channelClosed: acknowledgeChannelClose(channel)
        case .connectionClosed:
            var ok = amqp_connection_close_ok_t(dummy: 0)
            _ = amqp_send_method(st, 0, CLOSEBELL_CONNECTION_CLOSE_OK, &ok)
            markBroken()
        default: markBroken()
        }
        throw err
    }

    static func describe(_ reply: amqp_rpc_reply_t, context: String) -> AMQPError {
        switch reply.reply_type {
        case AMQP_RESPONSE_LIBRARY_EXCEPTION:
            return AMQPError(.connection, "\(context): \(String(cString: amqp_error_string2(reply.library_error)))")
        case AMQP_RESPONSE_SERVER_EXCEPTION:
            if reply.reply.id == CLOSEBELL_CONNECTION_CLOSE {
                let c = reply.reply.decoded.assumingMemoryBound(to: amqp_connection_close_t.self).pointee
                return AMQPError(.connectionClosed, "\(context): \(c.reply_text.string)", replyCode: c.reply_code)
            }
            if reply.reply.id == CLOSEBELL_CHANNEL_CLOSE {
                let c = reply.reply.decoded.assumingMemoryBound(to: amqp_channel_close_t.self).pointee
                return AMQPError(.channelClosed, "\(context): \(c.reply_text.string)", replyCode: c.reply_code)
            }
            return AMQPError(.library, "\(context): unexpected server method \(reply.reply.id)")
        default:
            return AMQPError(.library, "\(context): no reply")
        }
    }
}
