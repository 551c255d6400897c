import ClosebellStorage
import Foundation
import Logging

/// What consecutive runs of a resident coordinator (`coordinator watch`) share: the lock's
/// connection, the run's two database connections and the broker. Each run borrows them instead
/// of opening its own, so a day's run pays no TCP, TLS or SCRAM handshake with PostgreSQL (with
/// the process start, 40-60 ms of a small run on this machine). Nothing a run leaves behind is
/// kept: its named lock is released when it returns the lock connection.
///
/// Between runs the broker connection stays open but consumes nothing (``RunBroker/setConsuming(_:)``):
/// an idle watcher is no consumer of the results queue, so results of another coordinator's run
/// never wait, prefetched, in a process that is not running anything. (Closing it instead cost
/// 30-100 ms a day to open again: RabbitMQ's handshake and the topology's declarations.)
///
/// Used from one thread, like the broker connection it holds (rabbitmq-c's rule); closed by its
/// owner with ``close()``.
public final class RunSession: @unchecked Sendable {
    let url: String
    let logger: Logger
    /// The broker the runs share (RabbitMQ unless a test gives another).
    let broker: any RunBroker
    /// The daily windows the last run read, for the next one to read only what is new.
    public let windows = WindowCache()
    private var lock: PGConnection?
    private var db: ReconnectingPGConnection?
    private var second: SecondConnection?
    private var migrated = false

    /// Opens nothing yet: ``open()`` (or the first run) does.
    public init(url: String, broker: any RunBroker, logger: Logger) {
        self.url = url
        self.broker = broker
        self.logger = logger
    }

    /// Opens what is not open yet: the broker (tried once, consuming nothing until a run starts)
    /// and the database connections; throws when PostgreSQL cannot be reached now.
    public func open() throws {
        try? broker.setConsuming(false)
        broker.connect()
        _ = try lockConnection()
        _ = try runConnection()
        if second == nil { second = try? SecondConnection(url: url, logger: logger) }
    }

    /// Between runs: services the broker connection's heartbeats.
    public func idle() { broker.keepAlive() }

    /// Closes every connection; a later run opens them again.
    public func close() {
        broker.close()
        lock?.close()
        lock = nil
        db?.close()
        db = nil
        second?.close()
        second = nil
    }

    /// A connection for the next run's lock: the kept one when it still answers, else a new one.
    /// libpq notices a dead socket only when it is used, hence the `SELECT 1`.
    func lockConnection() throws -> PGConnection {
        if let l = lock, l.isOpen, (try? l.query("SELECT 1")) != nil { return l }
        lock?.close()
        let l = try PGConnection(url)
        if !migrated {
            try Migrator.migrate(l)
            migrated = true
        }
        lock = l
        return l
    }

    /// The run's connection (it reconnects by itself when the server went away meanwhile).
    func runConnection() throws -> ReconnectingPGConnection {
        if let db { return db }
        let c = try ReconnectingPGConnection(url: url, logger: logger)
        db = c
        return c
    }

    /// The second connection, when one is open (a run opens one itself when it needs it).
    func secondConnection() -> SecondConnection? { second }

    /// Takes back what a run used: its lock connection (the lock released first; a connection
    /// that cannot release it is closed, which releases it too) and its second connection.
    func giveBack(lock l: PGConnection?, second s: SecondConnection?) {
        if let l {
            if l.isOpen, (try? l.execute("ROLLBACK")) != nil {
                if l !== lock { lock?.close() }
                lock = l
            } else {
                l.close()
                if l === lock { lock = nil }
            }
        }
        if let s, s !== second {
            second?.close()
            second = s
        }
    }
}
