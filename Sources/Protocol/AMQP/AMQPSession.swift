import ClosebellCore
import Foundation
import Logging

/// A connection that re-establishes itself after the broker goes away.
///
/// Owned by one thread, like ``AMQPConnection``. ``connection()`` connects (with backoff) when
/// there is no live connection, declares the topology and runs `setup` (prefetch, consumers,
/// confirm mode) again. Work that was in flight when the connection dropped is the caller's to
/// redo: unacked deliveries come back from the broker, unconfirmed publishes must be re-sent.
public final class AMQPSession {
    public let url: AMQPURL
    public let topology: Topology
    public var backoff = Backoff(initial: 0.1, maximum: 3)
    /// Give up reconnecting after this many seconds without success (nil: never).
    public var giveUpAfterSeconds: Double?
    /// Checked between reconnect attempts; returning true stops them (shutdown).
    public var shouldStop: () -> Bool = { false }
    public var heartbeatSeconds: Int
    private let setup: (AMQPConnection) throws -> Void
    private var current: AMQPConnection?
    private let logger: Logger
    /// How many times the session connected (1 after the first connect).
    public private(set) var connects = 0

    public init(url: AMQPURL, topology: Topology, heartbeatSeconds: Int = 30, giveUpAfterSeconds: Double? = nil,
                logger: Logger = Logger(label: "closebell.amqp"), setup: @escaping (AMQPConnection) throws -> Void = { _ in }) {
        self.url = url
        self.topology = topology
        self.heartbeatSeconds = heartbeatSeconds
        self.giveUpAfterSeconds = giveUpAfterSeconds
        self.logger = logger
        self.setup = setup
    }

    /// The live connection, connecting or reconnecting first if needed.
    public func connection() throws -> AMQPConnection {
        if let c = current, c.isOpen { return c }
        current = nil
        var attempts = 0
        let c = try backoff.retry(
            giveUpAfterSeconds: giveUpAfterSeconds, shouldStop: shouldStop,
            // 404: a queue the setup needs is not declared yet (a worker started before the
            // coordinator): retried like a lost connection.
            isRetryable: { ($0 as? AMQPError).map { $0.isConnectionLoss || $0.replyCode == 404 } == true },
            onRetry: { error, attempt, d in
                if attempt % 10 == 0 {
                    self.logger.warning("broker unavailable, retrying", metadata: ["error": "\(error)", "delay_s": "\(String(format: "%.2f", d))"])
                }
            }
        ) { attempt in
            attempts = attempt + 1
            let c = try AMQPConnection(url: url, heartbeatSeconds: heartbeatSeconds)
            do {
                try topology.declare(on: c)
                try setup(c)
            } catch {
                c.close()
                throw error
            }
            return c
        }
        current = c
        connects += 1
        if connects > 1 { logger.info("reconnected to broker", metadata: ["url": "\(url)", "attempts": "\(attempts)"]) }
        return c
    }

    /// Whether a connection is up (as far as this side knows).
    public var isConnected: Bool { current?.isOpen == true }

    /// Connects now if there is no live connection, trying once, without backoff: false when
    /// the broker did not answer (``connection()`` retries later, as it always does).
    @discardableResult
    public func connectOnce() -> Bool {
        if isConnected { return true }
        let patient = giveUpAfterSeconds
        giveUpAfterSeconds = 0
        defer { giveUpAfterSeconds = patient }
        return (try? connection()) != nil
    }

    /// Runs `body` on the live connection. On a lost connection the session drops it and
    /// rethrows, so the caller can decide what to redo before calling again.
    public func withConnection<R>(_ body: (AMQPConnection) throws -> R) throws -> R {
        let c = try connection()
        do {
            return try body(c)
        } catch let error as AMQPError where error.isConnectionLoss {
            c.close()
            current = nil
            throw error
        }
    }

    /// Drops the current connection (for example after a channel error that left state unknown).
    public func reset() {
        current?.close()
        current = nil
    }

    /// Closes the session's connection.
    public func close() { reset() }
}
