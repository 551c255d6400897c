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
    var state: amqp_connection_state_t?
    var openChannels: Set<UInt16> = []
    var buffered: [AMQPDelivery] = []
    var bufferedHead = 0
    var confirms: [UInt16: ConfirmState] = [:]
    /// Channels whose consumer cancel the broker confirmed and the caller has not yet seen.
    var cancelConfirmed: Set<UInt16> = []

    struct ConfirmState {
        var nextSeq: UInt64 = 1
        var outstanding: [UInt64] = []
        var nacked: [UInt64] = []
        var returned: [AMQPReturnedMessage] = []
    }

    /// The channel used for declarations and passive queue look-ups, so that a broker error
    /// there (404 on a missing queue) never closes a consuming or publishing channel.
    public static let controlChannel: UInt16 = 1

    /// The node this connection went to (one of `url.nodes`).
    public private(set) var node: AMQPURL.Node

    /// Opens a connection to one of the URL's nodes (a random one first, then the others in turn
    /// while a node cannot be reached) and logs in. Throws ``AMQPError`` with a one-line reason.
    public init(url: AMQPURL, heartbeatSeconds: Int = 30, connectTimeoutSeconds: Int = 5, name: String = "closebell") throws {
        self.url = url
        let first = url.nodes.count > 1 ? Int.random(in: 0..<url.nodes.count) : 0
        node = url.nodes[first]
        var failures: [AMQPError] = []
        for k in 0..<url.nodes.count {
            let n = url.nodes[(first + k) % url.nodes.count]
            do {
                state = try Self.open(url, n, heartbeatSeconds: heartbeatSeconds, timeoutSeconds: connectTimeoutSeconds)
                node = n
                break
            } catch let e as AMQPError where e.kind == .connection {
                failures.append(e)
            }
        }
        guard state != nil else {
            throw failures.count == 1 ? failures[0]
                : AMQPError(.connection, "no broker node answered: " + failures.map(\.message).joined(separator: "; "))
        }
        try openChannel(AMQPConnection.controlChannel)
    }

    /// A logged-in connection to one node.
    static func open(_ url: AMQPURL, _ node: AMQPURL.Node, heartbeatSeconds: Int,
                     timeoutSeconds: Int) throws -> amqp_connection_state_t {
        guard let st = amqp_new_connection() else { throw AMQPError(.library, "cannot allocate connection") }
        let socket: OpaquePointer
        do { socket = try Self.socket(st, url) } catch {
            amqp_destroy_connection(st)
            throw error
        }
        var tv = timeval(tv_sec: timeoutSeconds, tv_usec: 0)
        let rc = amqp_socket_open_noblock(socket, node.host, Int32(node.port), &tv)
        if rc != AMQP_STATUS_OK.rawValue {
            amqp_destroy_connection(st)
            throw Self.openError(rc, url, node)
        }
        var rpcTimeout = timeval(tv_sec: 30, tv_usec: 0)
        amqp_set_rpc_timeout(st, &rpcTimeout)
        let reply = closebell_amqp_login_plain(st, url.vhost, 0, 131_072, Int32(heartbeatSeconds), url.user, url.password)
        if reply.reply_type != AMQP_RESPONSE_NORMAL {
            let err = AMQPConnection.describe(reply, context: "login to \(url) at \(node) failed")
            amqp_destroy_connection(st)
            if reply.reply_type == AMQP_RESPONSE_LIBRARY_EXCEPTION, reply.library_error == AMQP_STATUS_CONNECTION_CLOSED.rawValue {
                throw AMQPError(.connection, "login to \(url) at \(node) refused: wrong user or password, "
                                + "or no access to vhost '\(url.vhost)'")
            }
            throw err
        }
        return st
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

    func live() throws -> amqp_connection_state_t {
        guard let st = state else { throw AMQPError(.connection, "connection to \(node) is closed") }
        return st
    }

    /// Drops a connection that failed; the socket is destroyed without a handshake.
    func markBroken() {
        if let st = state { amqp_destroy_connection(st) }
        state = nil
    }

    // MARK: - Errors

    func acknowledgeChannelClose(_ channel: UInt16) {
        guard let st = state else { return }
        var ok = amqp_channel_close_ok_t(dummy: 0)
        _ = amqp_send_method(st, channel, CLOSEBELL_CHANNEL_CLOSE_OK, &ok)
        openChannels.remove(channel)
        confirms[channel] = nil
    }

    func checkStatus(_ rc: Int32, _ what: String) throws {
        if rc != AMQP_STATUS_OK.rawValue {
            markBroken()
            throw AMQPError(.connection, "\(what) failed: \(String(cString: amqp_error_string2(rc)))")
        }
    }

    func checkRPC(channel: UInt16, _ what: String) throws {
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
