import ClosebellCore
import ClosebellProtocol
import Foundation
import Testing

@Suite("AMQP transport against a real RabbitMQ", .serialized,
       .enabled(if: TestServers.shouldRun, TestServers.skipReason))
struct AMQPTests {
    @Test("declaring the topology twice is a no-op and keeps queued messages")
    func declareTwice() throws {
        let t = TestServers.uniqueTopology()
        defer { TestServers.remove(t) }
        let c = try TestServers.connectAMQP()
        try t.topology.declare(on: c)
        try c.enableConfirms(channel: 2)
        try c.publish(channel: 2, exchange: t.exchange, routingKey: t.chunkRoutingKey, body: Array("x".utf8))
        try c.waitForConfirms(channel: 2)
        try t.topology.declare(on: c)
        let info = try c.queueInfo(t.chunkQueue)
        #expect(info.ready == 1)
        #expect(info.consumers == 0)
    }

    @Test("10,000 messages published with windowed confirms are consumed exactly once")
    func tenThousand() throws {
        let t = TestServers.uniqueTopology()
        defer { TestServers.remove(t) }
        let pub = try TestServers.connectAMQP()
        try t.topology.declare(on: pub)
        try pub.enableConfirms(channel: 2)
        let n = 10_000
        for i in 0..<n {
            try pub.publish(channel: 2, exchange: t.exchange, routingKey: t.chunkRoutingKey, body: Array("m\(i)".utf8),
                            properties: .init(messageId: String(i)))
            try pub.waitForConfirms(channel: 2, maxOutstanding: 500)
        }
        try pub.waitForConfirms(channel: 2)
        #expect(try pub.queueInfo(t.chunkQueue).ready == n)

        let con = try TestServers.connectAMQP()
        try con.setPrefetch(channel: 3, count: 200)
        try con.consume(channel: 3, queue: t.chunkQueue)
        var seen = [Int](repeating: 0, count: n)
        var got = 0
        while got < n, let d = try con.nextDelivery(timeoutSeconds: 10) {
            let i = Int(String(decoding: d.body.dropFirst(), as: UTF8.self))!
            #expect(d.properties.messageId == String(i))
            seen[i] += 1
            got += 1
            try con.ack(channel: 3, deliveryTag: d.deliveryTag)
        }
        #expect(got == n)
        #expect(seen.allSatisfy { $0 == 1 })
        #expect(try con.nextDelivery(timeoutSeconds: 0.5) == nil)
    }

    @Test("a message taken but not acked by a consumer whose connection dies is delivered again")
    func redeliveryAfterDeath() throws {
        let t = TestServers.uniqueTopology()
        defer { TestServers.remove(t) }
        let pub = try TestServers.connectAMQP()
        try t.topology.declare(on: pub)
        try pub.enableConfirms(channel: 2)
        try pub.publish(channel: 2, exchange: t.exchange, routingKey: t.chunkRoutingKey, body: Array("work".utf8))
        try pub.waitForConfirms(channel: 2)

        do {
            let first = try TestServers.connectAMQP()
            try first.setPrefetch(channel: 3, count: 1)
            try first.consume(channel: 3, queue: t.chunkQueue)
            let d = try #require(try first.nextDelivery(timeoutSeconds: 5))
            #expect(d.previousDeliveries == 0)
            first.close()  // dies without acking
        }
        let second = try TestServers.connectAMQP()
        try second.consume(channel: 3, queue: t.chunkQueue)
        let again = try #require(try second.nextDelivery(timeoutSeconds: 10))
        #expect(String(decoding: again.body, as: UTF8.self) == "work")
        #expect(again.redelivered)
        #expect(again.previousDeliveries >= 1)
        try second.ack(channel: 3, deliveryTag: again.deliveryTag)
    }

    @Test("a message rejected past the delivery limit is dead-lettered with its reason")
    func deadLetterAfterLimit() throws {
        let t = TestServers.uniqueTopology(deliveryLimit: 2)
        defer { TestServers.remove(t) }
        let c = try TestServers.connectAMQP()
        try t.topology.declare(on: c)
        try c.enableConfirms(channel: 2)
        try c.publish(channel: 2, exchange: t.exchange, routingKey: t.chunkRoutingKey, body: Array("poison".utf8),
                      properties: .init(messageId: "poison-1"))
        try c.waitForConfirms(channel: 2)
        try c.consume(channel: 3, queue: t.chunkQueue)
        var deliveries = 0
        while let d = try c.nextDelivery(timeoutSeconds: 2) {
            deliveries += 1
            try c.nack(channel: 3, deliveryTag: d.deliveryTag, requeue: true)
        }
        #expect(deliveries == 3)  // first delivery + 2 redeliveries
        let dl = try TestServers.connectAMQP()
        try dl.consume(channel: 3, queue: t.deadLetterQueue)
        let dead = try #require(try dl.nextDelivery(timeoutSeconds: 10))
        #expect(dead.properties.messageId == "poison-1")
        let deaths = dead.properties.headers["x-death"]?.arrayValue?.first?.tableValue
        let reason = deaths?["reason"]?.stringValue ?? dead.properties.headers["x-first-death-reason"]?.stringValue
        #expect(reason == "delivery_limit")
        try dl.ack(channel: 3, deliveryTag: dead.deliveryTag)
    }

    @Test("an unroutable mandatory message is reported, not lost silently")
    func unroutable() throws {
        let t = TestServers.uniqueTopology()
        defer { TestServers.remove(t) }
        let c = try TestServers.connectAMQP()
        try t.topology.declare(on: c)
        try c.enableConfirms(channel: 2)
        try c.publish(channel: 2, exchange: t.exchange, routingKey: "nowhere", body: [1, 2, 3], properties: .init(messageId: "lost"))
        let error = #expect(throws: AMQPError.self) { try c.waitForConfirms(channel: 2) }
        #expect(error?.kind == .unroutable)
        #expect(error?.replyCode == 312)
    }

    @Test("queue depth and consumers of a missing queue: broker's 404, channel recovers")
    func missingQueue() throws {
        let c = try TestServers.connectAMQP()
        let error = #expect(throws: AMQPError.self) { try c.queueInfo("no-such-queue-\(UUID().uuidString)") }
        #expect(error?.replyCode == 404)
        #expect(error?.message.contains("NOT_FOUND") == true)
        let t = TestServers.uniqueTopology()
        defer { TestServers.remove(t) }
        try t.topology.declare(on: c)  // control channel reopened after the 404
        #expect(try c.queueInfo(t.resultQueue).ready == 0)
    }

    @Test("bad input: malformed URL, wrong password, unreachable host each give one clear error")
    func badInput() throws {
        #expect(throws: AMQPError.self) { try AMQPURL("not a url") }
        let scheme = #expect(throws: AMQPError.self) { try AMQPURL("http://h/") }
        #expect(scheme?.message.contains("amqp://") == true)
        var wrong = TestServers.amqpURL
        wrong.password = "definitely-wrong"
        let login = #expect(throws: AMQPError.self) { try AMQPConnection(url: wrong) }
        #expect(login?.message.contains("refused") == true)
        #expect(login?.message.contains("definitely-wrong") == false)
        let unreachable = try AMQPURL("amqp://u:p@127.0.0.1:1/")
        let conn = #expect(throws: AMQPError.self) { try AMQPConnection(url: unreachable, connectTimeoutSeconds: 2) }
        #expect(conn?.kind == .connection)
        #expect(conn?.message.contains("127.0.0.1:1") == true)
    }

    @Test("a cluster's node list: parsed and checked; a connection skips dead nodes for a live one")
    func nodeList() throws {
        let u = try AMQPURL("amqp://u:p%40ss@h1:5700,h2,h3:5702/v?heartbeat=10")
        #expect(u.nodes.map(\.description) == ["h1:5700", "h2:5700", "h3:5702"] && u.password == "p@ss" && u.vhost == "v")
        #expect(u.description == "amqp://u:***@h1:5700,h2:5700,h3:5702/v")
        #expect(try AMQPURL("amqps://u:p@a,b/%2F").nodes.map(\.port) == [5671, 5671])
        for bad in ["amqp://u:p@h1,,h2/", "amqp://u:p@h1,h2:x/", "amqp://u:p@h1,h2:99999/", "amqp://u:p@h1,[::1]:5/"] {
            let e = #expect(throws: AMQPError.self) { try AMQPURL(bad) }
            #expect(e?.message.contains(":p@") == false, "\(bad)")
        }
        // Two dead nodes and the live one, in every order: always connected to the live one.
        let live = TestServers.amqpURL
        let list = "amqp://\(live.user):\(live.password)@127.0.0.1:1,\(live.host):\(live.port),127.0.0.1:2/%2F"
        for _ in 0..<4 {
            let c = try AMQPConnection(url: try AMQPURL(list), connectTimeoutSeconds: 2)
            #expect(c.node.port == live.port)
            c.close()
        }
        let none = #expect(throws: AMQPError.self) {
            try AMQPConnection(url: try AMQPURL("amqp://u:p@127.0.0.1:1,127.0.0.1:2/%2F"), connectTimeoutSeconds: 2)
        }
        #expect(none?.kind == .connection && none?.message.contains("no broker node answered") == true
                && none?.message.contains("127.0.0.1:2") == true)
    }
}
