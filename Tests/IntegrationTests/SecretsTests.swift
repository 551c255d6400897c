import ClosebellCore
import ClosebellProtocol
import ClosebellStorage
import Foundation
import Testing

/// No secret is ever printed: a whole day's flow with distinctive passwords in both URLs (the
/// database's through `…_FILE`), including error paths, then every output, log file and table
/// text searched for them.
@Suite("Secrets never leak", .serialized, .enabled(if: TestServers.shouldRun, TestServers.skipReason))
struct SecretsTests {
    @Test("ingest, run, status, config, retry and a broker outage print no password anywhere")
    func noLeaks() throws {
        let c = try Cluster(symbols: 30, days: 30)
        let pgSecret = "Pg-Zq9x\(UUID().uuidString.prefix(6))", mqSecret = "Mq-Zq9x\(UUID().uuidString.prefix(6))"
        let role = "leak_\(c.name)"
        let admin = try c.db()
        try admin.execute("CREATE ROLE \(role) LOGIN PASSWORD '\(pgSecret)'; GRANT closebell TO \(role)")
        defer { try? admin.execute("DROP OWNED BY \(role); DROP ROLE IF EXISTS \(role)") }
        var db = URLComponents(string: c.databaseURL)!
        db.user = role
        db.password = pgSecret
        let secretFile = c.dir + "/database-url"
        try db.string!.write(toFile: secretFile, atomically: true, encoding: .utf8)
        let mq = try LeastPrivilegeTests.user(.coordinator, for: c, password: mqSecret)
        let workerMQ = try LeastPrivilegeTests.user(.worker, for: c, password: mqSecret + "-w")
        let env = ["CLOSEBELL_DATABASE_URL": "", "CLOSEBELL_DATABASE_URL_FILE": secretFile, "CLOSEBELL_AMQP_URL": mq]

        try c.startWorkers(2, env: ["CLOSEBELL_AMQP_URL": workerMQ])
        var outputs: [String] = []
        func run(_ args: [String], extra: [String: String] = [:]) throws -> Int32 {
            let (code, said) = try c.coordinatorOutput(args, env: env.merging(extra) { $1 })
            outputs.append(said)
            return code
        }
        #expect(try run(["migrate"]) == 0)
        #expect(try run(["ingest", c.dir + "/data"]) == 0)
        #expect(try run(["run", "--date", c.day.description, "--chunk-size", "10"]) == 0)
        #expect(try run(["status"]) == 0)
        #expect(try run(["config"]) == 0)
        let id = try #require(try c.latestRun()).id
        #expect(try run(["status", String(id)]) == 0)
        #expect(try run(["retry", String(id)]) == 0)  // nothing to retry, says so
        // Error paths: the broker unreachable with the password in its URL, and a wrong database password.
        let badMQ = mq.replacingOccurrences(of: ":\(TestServers.amqpURL.port)/", with: ":1/")
        #expect(try run(["run", "--date", c.day.adding(days: -1).description, "--broker-timeout", "1", "--amqp-url", badMQ]) == 1)
        #expect(try run(["status"], extra: ["CLOSEBELL_DATABASE_URL": db.string!.replacingOccurrences(of: role + ":", with: "nobody:")]) == 1)
        #expect(try run(["status", "--database-url", "host=127.0.0.1 port=1 user=x password=\(pgSecret) connect_timeout=2"]) == 1)
        c.stopWorkers()

        // Every file the processes wrote (outputs, worker logs, per-run logs) and every text column.
        var texts = outputs
        let files = FileManager.default.enumerator(atPath: c.dir)?.compactMap { $0 as? String } ?? []
        for f in files where f != "database-url" {
            if let t = try? String(contentsOfFile: "\(c.dir)/\(f)", encoding: .utf8) { texts.append(t) }
        }
        #expect(files.contains { $0.hasPrefix("logs/run-") })
        let conn = try c.db()
        for sql in ["SELECT config::text || coalesce(error, '') || coalesce(message, '') FROM runs",
                    "SELECT coalesce(last_error, '') FROM chunks", "SELECT reason FROM rejected_messages",
                    "SELECT error FROM symbol_failures", "SELECT coalesce(model_path, '') FROM predictions"] {
            texts += try conn.query(sql).rows.map { $0[0] ?? "" }
        }
        #expect(texts.joined().contains("broker unreachable"))  // the error path did run
        for secret in [pgSecret, mqSecret] {
            let leaks = texts.filter { $0.contains(secret) }
            #expect(leaks.isEmpty, "\(secret) printed: \(leaks.map { String($0.prefix(300)) })")
        }
    }
}
