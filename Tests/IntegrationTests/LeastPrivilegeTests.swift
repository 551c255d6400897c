import ClosebellCore
import ClosebellProtocol
import ClosebellRuntime
import ClosebellStorage
import Foundation
import Testing

/// Separate broker users for the two roles, with the permissions ``ClosebellTopology`` names.
@Suite("Least-privilege broker users", .serialized,
       .enabled(if: TestServers.shouldRun, TestServers.skipReason))
struct LeastPrivilegeTests {
    /// Creates (or updates) a broker user with a role's permissions for the cluster's prefix,
    /// through the management API; returns its URL.
    static func user(_ role: ClosebellTopology.Role, for c: Cluster, password: String? = nil) throws -> String {
        let name = "\(c.name)_\(role.rawValue)", pass = password ?? "pw-\(role.rawValue)"
        let base = try #require(Settings.env("CLOSEBELL_MANAGEMENT_URL"))
        let admin = TestServers.amqpURL
        let perms = c.topology.permissions(for: role)
        func put(_ path: String, _ body: [String: String]) throws {
            let json = String(decoding: try JSONSerialization.data(withJSONObject: body), as: UTF8.self)
            let code = try ChildProcess.run("/usr/bin/curl", ["-sf", "-o", "/dev/null", "-u", "\(admin.user):\(admin.password)",
                                                              "-X", "PUT", "-H", "content-type: application/json",
                                                              "--data", json, base + path], outputPath: "/dev/null")
            #expect(code == 0, "PUT \(path)")
        }
        try put("/api/users/\(name)", ["password": pass, "tags": ""])
        try put("/api/permissions/%2F/\(name)", ["configure": perms.configure, "write": perms.write, "read": perms.read])
        var parts = URLComponents(string: TestServers.amqpURLString)!
        parts.user = name
        parts.password = pass
        return parts.string!
    }

    @Test("a run completes with a worker user that can only read chunks and write results; that user can do nothing else")
    func leastPrivilege() throws {
        let c = try Cluster(symbols: 40, days: 30)
        let workerURL = try Self.user(.worker, for: c), coordinatorURL = try Self.user(.coordinator, for: c)
        // Workers first, before any topology exists: they wait for the coordinator's.
        try c.startWorkers(2, env: ["CLOSEBELL_AMQP_URL": workerURL])
        #expect(try c.startRun(env: ["CLOSEBELL_AMQP_URL": coordinatorURL]).wait() == 0)
        try c.expectExactAccounting(runId: try #require(try c.latestRun()).id)

        let w = try AMQPConnection(url: try AMQPURL(workerURL))
        defer { w.close() }
        let t = c.topology
        for (what, attempt) in [
            ("delete the chunk queue", { try w.deleteQueue(t.chunkQueue) }),
            ("declare a queue", { try w.declareQueue(t.prefix + ".mine") }),
            ("consume results", { try w.consume(channel: 5, queue: t.resultQueue) }),
            ("consume dead letters", { try w.consume(channel: 7, queue: t.deadLetterQueue) }),
        ] as [(String, () throws -> Void)] {
            let e = #expect(throws: AMQPError.self, "a worker could \(what)") { try attempt() }
            #expect(e?.replyCode == 403, "\(what): \(e.map { "\($0)" } ?? "")")
        }
        // (RabbitMQ ties purging a queue to reading it: a worker can purge the chunk queue.)
        // Publishing a chunk: the broker closes the channel with 403 instead of routing it.
        try w.enableConfirms(channel: 6)
        let forged = #expect(throws: AMQPError.self) {
            try w.publish(channel: 6, exchange: t.exchange, routingKey: t.chunkRoutingKey, body: [1, 2, 3])
            try w.waitForConfirms(channel: 6)
        }
        #expect(forged?.replyCode == 403)
        c.stopWorkers()
    }
}
