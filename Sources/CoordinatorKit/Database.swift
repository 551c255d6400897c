import ClosebellCore
import ClosebellStorage
import Foundation
import Logging

/// The coordinator's PostgreSQL connection, re-established after the server goes away.
///
/// ``retrying(_:)`` runs an operation and, when the connection was lost, reconnects with
/// backoff and runs it again; every operation the coordinator retries is idempotent (results
/// are deduplicated by chunk state, publishes are recorded only after the broker confirmed).
public final class Database {
    public let url: String
    private var conn: PGConnection?
    let logger: Logger
    public var backoff = Backoff(initial: 0.2, maximum: 3)
    /// Give up after this many seconds without a connection.
    public var giveUpAfterSeconds: Double = 180
    /// Runs after every reconnect (re-taking advisory locks); throwing aborts.
    public var onReconnect: ((PGConnection) throws -> Void)?

    public init(url: String, logger: Logger) throws {
        self.url = url
        self.logger = logger
        conn = try PGConnection(url)
    }

    public func connection() throws -> PGConnection {
        if let c = conn, c.isOpen { return c }
        conn = nil
        let started = Date()
        var attempt = 0
        while true {
            do {
                let c = try PGConnection(url)
                try onReconnect?(c)
                conn = c
                logger.info("reconnected to PostgreSQL", metadata: ["attempts": "\(attempt + 1)"])
                return c
            } catch let e as PGError where e.isConnectionLoss {
                if Date().timeIntervalSince(started) > giveUpAfterSeconds { throw e }
                if attempt % 10 == 0 { logger.warning("PostgreSQL unavailable, retrying", metadata: ["error": "\(e)"]) }
                Thread.sleep(forTimeInterval: backoff.delay(attempt: attempt))
                attempt += 1
            }
        }
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
