import ClosebellCore
import Foundation
import Logging

/// A PostgreSQL connection re-established after the server goes away (the twin of
/// `AMQPSession` for the broker).
///
/// ``retrying(_:)`` runs an operation and, when the connection was lost, reconnects with
/// backoff and runs it again; every operation the coordinator retries is idempotent (results
/// are deduplicated by chunk state, publishes are recorded only after the broker confirmed).
public final class ReconnectingPGConnection {
    public let url: String
    private var conn: PGConnection?
    let logger: Logger
    public var backoff = Backoff(initial: 0.2, maximum: 3)
    /// Give up after this many seconds without a connection.
    public var giveUpAfterSeconds: Double = 180
    /// Runs after every reconnect (re-taking named locks); throwing aborts.
    public var onReconnect: ((PGConnection) throws -> Void)?

    public init(url: String, logger: Logger) throws {
        self.url = url
        self.logger = logger
        conn = try PGConnection(url)
    }

    public func connection() throws -> PGConnection {
        if let c = conn, c.isOpen { return c }
        conn = nil
        let c = try backoff.retry(
            giveUpAfterSeconds: giveUpAfterSeconds,
            isRetryable: { ($0 as? PGError)?.isConnectionLoss == true },
            onRetry: { e, attempt, _ in
                if attempt % 10 == 0 { self.logger.warning("PostgreSQL unavailable, retrying", metadata: ["error": "\(e)"]) }
            }
        ) { _ in
            let c = try PGConnection(url)
            try onReconnect?(c)
            return c
        }
        conn = c
        logger.info("reconnected to PostgreSQL")
        return c
    }

    /// Runs `body`, reconnecting and retrying while the connection is lost.
    public func retrying<R>(_ body: (PGConnection) throws -> R) throws -> R {
        while true {
            let c = try connection()
            do {
                return try body(c)
            } catch let e as PGError where e.isConnectionLoss || !c.isOpen {
                logger.warning("lost PostgreSQL; will reconnect and retry", metadata: ["error": "\(e)"])
                c.close()
                conn = nil
            }
        }
    }

    public func close() { conn?.close(); conn = nil }
}

extension ReconnectingPGConnection {
    /// A run-ledger operation on the live connection, reconnecting and retrying while it is lost.
    public func ledger<R>(_ body: (RunLedger) throws -> R) throws -> R { try retrying { try body(RunLedger(db: $0)) } }

    /// A market-data operation on the live connection, reconnecting and retrying while it is lost.
    public func market<R>(_ body: (MarketStore) throws -> R) throws -> R { try retrying { try body(MarketStore(db: $0)) } }
}
