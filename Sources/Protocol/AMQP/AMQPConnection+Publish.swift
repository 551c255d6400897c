import CRabbitMQ
import Foundation

/// Publishing with confirms.
extension AMQPConnection {
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
}
