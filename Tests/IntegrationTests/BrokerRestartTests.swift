import ClosebellCore
import ClosebellProtocol
import Foundation
import Testing

@Suite("Broker restart mid-stream", .serialized,
       .enabled(if: TestServers.shouldRun, TestServers.skipReason))
struct BrokerRestartTests {
    @Test("the session reconnects after a broker restart and every confirmed message survives")
    func restartMidStream() throws {
        let t = TestServers.uniqueTopology()
        defer { TestServers.remove(t) }
        let session = AMQPSession(url: TestServers.amqpURL, topology: t.topology, heartbeatSeconds: 5, giveUpAfterSeconds: 90) { c in
            try c.enableConfirms(channel: 2)
        }
        var confirmed = Set<Int>()
        func publishBatch(_ range: Range<Int>) throws {
            try session.withConnection { c in
                for i in range {
                    try c.publish(channel: 2, exchange: t.exchange, routingKey: t.chunkRoutingKey, body: Array(String(i).utf8))
                }
                try c.waitForConfirms(channel: 2)
            }
            confirmed.formUnion(range)
        }
        // After a connection loss the session reconnects; the caller re-sends what was not confirmed.
        var losses = 0
        func publishConfirmed(_ range: Range<Int>) throws {
            while true {
                do { try publishBatch(range); return } catch let e as AMQPError where e.isConnectionLoss {
                    losses += 1
                    if losses >= 5 { throw e }
                }
            }
        }
        try publishConfirmed(0..<500)
        #expect(try TestServers.services("restart-broker") == 0)
        try publishConfirmed(500..<1000)
        try publishConfirmed(1000..<1500)
        #expect(losses >= 1)  // the restart was noticed, not slept through
        #expect(session.connects >= 2)

        let c = try TestServers.connectAMQP()
        try c.consume(channel: 3, queue: t.chunkQueue)
        var seen = Set<Int>()
        while let d = try c.nextDelivery(timeoutSeconds: 3) {
            seen.insert(Int(String(decoding: d.body, as: UTF8.self))!)
            try c.ack(channel: 3, deliveryTag: d.deliveryTag)
        }
        #expect(confirmed.isSubset(of: seen))
        #expect(confirmed.count == 1500)
    }
}
