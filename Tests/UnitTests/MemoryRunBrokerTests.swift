import ClosebellCoordinator
import Testing

/// The in-memory broker behaves as the coordinator's tests need RabbitMQ to: high-priority
/// chunks first, a delivery limit, dead letters with the reason.
@Suite("In-memory broker")
struct MemoryRunBrokerTests {
    func message(_ id: String, high: Bool = false) -> OutgoingMessage {
        OutgoingMessage(messageId: id, body: Array(id.utf8), highPriority: high)
    }

    @Test("high-priority chunks are taken first, each queue in order; a returned chunk keeps its place")
    func priorityOrder() throws {
        let b = MemoryRunBroker()
        #expect(try b.publish([message("a"), message("b")]))
        #expect(try b.publish([message("h1", high: true), message("h2", high: true)]))
        let first = try #require(b.take(timeout: .zero))
        #expect(first.messageId == "h1")
        b.requeue(first.tag)
        #expect(b.take(timeout: .zero)?.messageId == "h1")
        #expect(b.take(timeout: .zero)?.messageId == "h2")
        #expect(b.take(timeout: .zero)?.messageId == "a")
        #expect(b.take(timeout: .zero)?.messageId == "b")
        #expect(b.take(timeout: .milliseconds(10)) == nil)
    }

    @Test("a chunk returned more often than the delivery limit is dead-lettered with the reason; a lost publish enqueues nothing")
    func deliveryLimit() throws {
        let b = MemoryRunBroker(deliveryLimit: 1)
        b.losePublishes(1)
        #expect(try b.publish([message("x")]) == false)
        #expect(b.depth.ready == 0)
        #expect(try b.publish([message("c")]))
        b.requeue(try #require(b.take(timeout: .zero)).tag)
        let again = try #require(b.take(timeout: .zero))
        #expect(again.previousDeliveries == 1)
        b.requeue(again.tag)
        #expect(b.depth == (0, 0))
        var dead: [RunDelivery] = []
        try b.receive(timeout: .zero, limit: 10) { dead += $0 }
        #expect(dead.count == 1)
        #expect(dead.first?.source == .deadLetters)
        #expect(dead.first?.deathReason.contains("delivery limit") == true)
    }
}
