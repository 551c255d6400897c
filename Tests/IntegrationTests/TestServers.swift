import ClosebellCore
import ClosebellProtocol
import ClosebellRuntime
import ClosebellStorage
import Foundation
import Testing

/// The real servers the integration tests run against, started by `ops/services`.
enum TestServers {
    static let root: URL = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// Whether the server suites run: when the servers are configured (ops/test starts them), or
    /// when `CLOSEBELL_REQUIRE_SERVERS=1` demands them — then a missing server fails the run
    /// instead of skipping it, so CI can never pass by skipping.
    static var shouldRun: Bool {
        (Settings.env(Settings.amqpURLVariable) != nil && Settings.env(Settings.databaseURLVariable) != nil)
            || Settings.env("CLOSEBELL_REQUIRE_SERVERS") == "1"
    }

    /// Whether the suites that need only PostgreSQL run (same rule, for the database alone).
    static var databaseShouldRun: Bool {
        Settings.env(Settings.databaseURLVariable) != nil || Settings.env("CLOSEBELL_REQUIRE_SERVERS") == "1"
    }

    static let databaseSkipReason: Comment = "needs PostgreSQL: run ops/test, which starts it"

    static let skipReason: Comment = "needs RabbitMQ and PostgreSQL: run ops/test, which starts them"

    static var amqpURLString: String {
        guard let v = Settings.env(Settings.amqpURLVariable) else {
            fatalError("CLOSEBELL_AMQP_URL is not set: run the tests with ops/test, which starts the servers")
        }
        return v
    }

    static var databaseURL: String {
        guard let v = Settings.env(Settings.databaseURLVariable) else {
            fatalError("CLOSEBELL_DATABASE_URL is not set: run the tests with ops/test, which starts the servers")
        }
        return v
    }

    static var amqpURL: AMQPURL { try! AMQPURL(amqpURLString) }

    static func connectAMQP() throws -> AMQPConnection { try AMQPConnection(url: amqpURL, heartbeatSeconds: 10) }

    static func connectDB() throws -> PGConnection { try PGConnection(databaseURL) }

    /// Runs `body` with the URL of a database of its own, migrated, dropped afterwards.
    static func withFreshDatabase<T>(_ body: (String) throws -> T) throws -> T {
        try withEmptyDatabase { db, url in
            try Migrator.migrate(db)
            db.close()
            return try body(url)
        }
    }

    /// Runs `body` on a connection to a new database of its own, not migrated (a migration test
    /// takes it step by step), and its URL; the database is dropped afterwards.
    static func withEmptyDatabase<T>(_ body: (PGConnection, String) throws -> T) throws -> T {
        let name = "t\(UUID().uuidString.prefix(8).lowercased())"
        let admin = try connectDB()
        try admin.execute("CREATE DATABASE \(name)")
        defer { try? admin.execute("DROP DATABASE IF EXISTS \(name) WITH (FORCE)"); admin.close() }
        var parts = URLComponents(string: databaseURL)!
        parts.path = "/\(name)"
        let db = try PGConnection(parts.string!)
        defer { db.close() }
        return try body(db, parts.string!)
    }

    /// A topology with names no other test uses.
    static func uniqueTopology(deliveryLimit: Int = 3) -> ClosebellTopology {
        ClosebellTopology(prefix: "test-\(UUID().uuidString.prefix(8).lowercased())", deliveryLimit: deliveryLimit)
    }

    /// Deletes a test topology's queues and exchanges.
    static func remove(_ t: ClosebellTopology) {
        guard Settings.env(Settings.amqpURLVariable) != nil, let c = try? connectAMQP() else { return }
        for q in t.watchedQueues { try? c.deleteQueue(q) }
        for e in [t.exchange, t.deadLetterExchange, t.controlExchange] { try? c.deleteExchange(e) }
    }

    /// Runs `ops/services <verb>` (e.g. `restart-broker`) and waits for it.
    @discardableResult
    static func services(_ verb: String) throws -> Int32 {
        try ChildProcess.run(root.appendingPathComponent("ops/services").path, [verb], outputPath: "/dev/null")
    }
}
