import ClosebellCoordinator
import ClosebellProtocol
import ClosebellWorker
import Foundation
import Synchronization

/// Workers played by threads against a ``MemoryRunBroker``: each takes a chunk, asks `plan`
/// what to do with it, and does it — process it as a real worker would (`started`, then the
/// result, then the ack), or fail in one of the ways real workers fail.
final class MemoryWorkers: Sendable {
    /// What a worker does with the chunk in hand.
    enum Action: Sendable {
        case process
        /// Publish the result twice (a redelivered chunk whose first result was already sent).
        case processTwice
        /// Send `started`, then never answer (a worker stuck on the chunk).
        case hang
        /// Die holding the chunk: the broker returns it to the queue.
        case crash
        /// Refuse the chunk: the broker dead-letters it with this reason.
        case reject(String)
    }

    let broker: MemoryRunBroker
    let plan: @Sendable (ChunkMessage) -> Action
    private let stop = Atomic<Bool>(false)
    private let running = Atomic<Int>(0)

    init(_ broker: MemoryRunBroker, count: Int, plan: @escaping @Sendable (ChunkMessage) -> Action = { _ in .process }) {
        self.broker = broker
        self.plan = plan
        for i in 0..<count {
            running.add(1, ordering: .relaxed)
            Thread.detachNewThread { [self] in
                loop(ChunkProcessor(workerId: "memory-\(i)"))
                running.subtract(1, ordering: .relaxed)
            }
        }
    }

    private func loop(_ processor: ChunkProcessor) {
        while !stop.load(ordering: .relaxed) {
            guard let t = broker.take(timeout: .milliseconds(50)) else { continue }
            guard let chunk = try? ChunkMessage.decode(t.body) else {
                broker.reject(t.tag, reason: "undecodable chunk")
                continue
            }
            let started = StartedMessage(runId: chunk.runId, chunkNo: chunk.chunkNo, attempt: chunk.attempt,
                                         worker: processor.workerId)
            let action = plan(chunk)
            switch action {
            case .crash:
                broker.requeue(t.tag)
            case .reject(let reason):
                broker.reject(t.tag, reason: reason)
            case .hang:
                broker.publishResult(started.encode(), messageId: started.messageId)
            case .process, .processTwice:
                broker.publishResult(started.encode(), messageId: started.messageId)
                let result = processor.process(chunk)
                broker.publishResult(result.encode(), messageId: result.messageId)
                if case .processTwice = action { broker.publishResult(result.encode(), messageId: result.messageId) }
                broker.ack(t.tag)
            }
        }
    }

    /// Stops every worker and waits until they stopped.
    func shutdown() {
        stop.store(true, ordering: .relaxed)
        while running.load(ordering: .relaxed) > 0 { Thread.sleep(forTimeInterval: 0.01) }
    }
}
