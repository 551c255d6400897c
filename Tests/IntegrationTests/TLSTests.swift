import ClosebellCore
import ClosebellProtocol
import ClosebellStorage
import Foundation
import Testing

/// TLS to both servers: `amqps://` to RabbitMQ and `sslmode=verify-full` to PostgreSQL, against
/// the local servers, whose certificate (naming `localhost` only) ops/services signs with a
/// throwaway CA made by openssl. A whole run goes over TLS; a certificate for another name, or
/// one from a CA the client does not trust (made by openssl here), is refused with a clear error.
@Suite("TLS to RabbitMQ and PostgreSQL", .serialized, .enabled(if: TestServers.shouldRun, TestServers.skipReason))
struct TLSTests {
    static func env(_ name: String) throws -> String {
        try #require(ProcessInfo.processInfo.environment[name], "\(name) is set by ops/services env (ops/test)")
    }

    /// A CA nobody trusts, made by openssl now.
    static func strangerCA() throws -> String {
        let dir = NSTemporaryDirectory() + "closebell-ca-\(UUID().uuidString.prefix(6))"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let code = try ChildProcess.run("/usr/bin/openssl", [
            "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=Stranger CA",
            "-keyout", dir + "/ca.key", "-out", dir + "/ca.pem",
        ], outputPath: dir + "/openssl.log")
        #expect(code == 0)
        return dir + "/ca.pem"
    }

    /// The URL with its host (and, for AMQP, its CA file) replaced.
    static func with(_ url: String, host: String? = nil, query: [String: String] = [:]) -> String {
        var c = URLComponents(string: url)!
        if let host { c.host = host }
        var items = (c.queryItems ?? []).filter { query[$0.name] == nil }
        items += query.map { URLQueryItem(name: $0.key, value: $0.value) }
        c.queryItems = items
        return c.string!
    }

    @Test("amqps:// with the CA: confirms, a delivery; the wrong host name or an unknown CA is refused")
    func amqps() throws {
        let url = try Self.env("CLOSEBELL_AMQPS_URL")
        let c = try AMQPConnection(url: try AMQPURL(url))
        defer { c.close() }
        #expect(c.url.tls?.verifyPeer == true && c.url.description.hasPrefix("amqps://"))
        let t = TestServers.uniqueTopology()
        defer { TestServers.remove(t) }
        try t.topology.declare(on: c)
        try c.enableConfirms(channel: 2)
        try c.publish(channel: 2, exchange: t.exchange, routingKey: t.chunkRoutingKey, body: Array("over TLS".utf8))
        try c.waitForConfirms(channel: 2)
        #expect(try c.queueInfo(t.chunkQueue).ready == 1)

        // The certificate names localhost, not 127.0.0.1.
        let byAddress = Self.with(url, host: "127.0.0.1")
        let e1 = #expect(throws: AMQPError.self) { try AMQPConnection(url: try AMQPURL(byAddress)) }
        #expect(e1?.kind == .tlsRefused && e1?.message.contains("does not name '127.0.0.1'") == true, "\(String(describing: e1))")
        // A CA that did not sign it.
        let stranger = Self.with(url, query: ["cacertfile": try Self.strangerCA()])
        let e2 = #expect(throws: AMQPError.self) { try AMQPConnection(url: try AMQPURL(stranger)) }
        #expect(e2?.kind == .tlsRefused && e2?.message.contains("not signed by a CA") == true, "\(String(describing: e2))")
        #expect(e2?.isConnectionLoss == false)  // retrying cannot help: nobody loops on it
        // Neither message shows the password.
        #expect(!"\(e1!) \(e2!)".contains(":\(try AMQPURL(url).password)@"))
        // Plain AMQP spoken to the TLS port is not mistaken for a broker.
        var plain = try AMQPURL(url)
        plain.tls = nil
        #expect(throws: AMQPError.self) { try AMQPConnection(url: plain, connectTimeoutSeconds: 2) }
    }

    @Test("broker URL TLS options are checked: unknown parameter, verify value, certfile without keyfile")
    func urlOptions() throws {
        #expect(try AMQPURL("amqps://u:p@h/%2F").port == 5671)
        #expect(try AMQPURL("amqps://u:p@h/%2F").tls?.caCertFile == AMQPURL.TLS.systemCAFile)
        #expect(try AMQPURL("amqps://u:p@h/%2F?verify=verify_none").tls?.verifyPeer == false)
        for (bad, says) in [("amqps://u:p@h/?cacert=x", "unknown parameter 'cacert'"),
                            ("amqps://u:p@h/?verify=yes", "verify=yes"),
                            ("amqps://u:p@h/?certfile=a.pem", "certfile and keyfile go together"),
                            ("amqp://u:p@h/?cacertfile=ca.pem", "needs amqps://")] {
            let e = #expect(throws: AMQPError.self) { try AMQPURL(bad) }
            #expect(e?.message.contains(says) == true && e?.message.contains(":p@") == false, "\(bad): \(String(describing: e))")
        }
        let missing = #expect(throws: AMQPError.self) {
            try AMQPConnection(url: try AMQPURL("amqps://u:p@localhost:1/%2F?cacertfile=/nonexistent/ca.pem"))
        }
        #expect(missing?.message.contains("'/nonexistent/ca.pem' is not a readable file") == true)
    }

    @Test("sslmode=verify-full: TLS in use; the wrong host name or an unknown CA is refused")
    func postgres() throws {
        let url = try Self.env("CLOSEBELL_TLS_DATABASE_URL")
        let c = try PGConnection(url)
        defer { c.close() }
        #expect(try c.query("SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()").scalar == "t")
        let e1 = #expect(throws: PGError.self) { try PGConnection(Self.with(url, host: "127.0.0.1")) }
        #expect(e1?.message.contains("does not match host name \"127.0.0.1\"") == true, "\(String(describing: e1))")
        let e2 = #expect(throws: PGError.self) {
            try PGConnection(Self.with(url, query: ["sslrootcert": try Self.strangerCA()]))
        }
        #expect(e2?.message.contains("certificate verify failed") == true, "\(String(describing: e2))")
        #expect(!"\(e1!) \(e2!)".contains(":closebell@") && !"\(e1!) \(e2!)".contains("PASSWORD"))
    }

    @Test("a whole run over TLS: workers on amqps://, the coordinator on amqps:// and verify-full")
    func runOverTLS() throws {
        let amqps = try Self.env("CLOSEBELL_AMQPS_URL")
        let tlsDB = try Self.env("CLOSEBELL_TLS_DATABASE_URL")
        let c = try Cluster(symbols: 30, days: 30)
        var db = URLComponents(string: tlsDB)!
        db.path = URLComponents(string: c.databaseURL)!.path
        let env = ["CLOSEBELL_AMQP_URL": amqps, "CLOSEBELL_DATABASE_URL": db.string!]
        try c.startWorkers(2, env: env)
        let run = try c.startRun(env: env)
        #expect(run.wait() == 0)
        let r = try #require(try c.latestRun())
        #expect(r.status == .completed)
        try c.expectExactAccounting(runId: r.id)
    }
}
