import CRabbitMQ
import Foundation

/// The frame loop: deliveries, confirms, returns and closes, read from the socket.
extension AMQPConnection {
    // MARK: - The frame loop

    /// Reads and handles one frame, or returns after the timeout.
    func readFrame(timeoutSeconds: Double?) throws {
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
            throw AMQPError(.connection, "connection to \(node) lost: \(String(cString: amqp_error_string2(rc)))")
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
        case CLOSEBELL_BASIC_CANCEL_OK:
            cancelConfirmed.insert(channel)
        case CLOSEBELL_BASIC_CANCEL:
            throw AMQPError(.channelClosed, "broker cancelled the consumer on channel \(channel) (queue deleted?)")
        default:
            return
        }
    }

    func settle(channel: UInt16, tag: UInt64, multiple: Bool, nacked: Bool) {
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

    func partitionIndex(_ sorted: [UInt64], _ tag: UInt64) -> Int {
        var lo = 0, hi = sorted.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if sorted[mid] <= tag { lo = mid + 1 } else { hi = mid }
        }
        return lo
    }

    /// Reads the header and body frames that follow a deliver or return method.
    func readContent(channel: UInt16) throws -> (AMQPMessageProperties, [UInt8]) {
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

    func withProperties(_ properties: AMQPMessageProperties, _ body: (UnsafePointer<amqp_basic_properties_t>) -> Void) {
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
}
