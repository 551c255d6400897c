import ClosebellRuntime
import Foundation
import Synchronization
import Testing

/// ``onOwnThread(_:)``: blocking work never holds a thread of Swift's cooperative pool, and
/// the body behaves as a call made in place (its value, its error, the state it changes).
@Suite("Blocking work on threads of its own")
struct OwnThreadTests {
    @Test("more blocking bodies than the pool has threads all run at once")
    func neverStarvesThePool() async throws {
        // Each body blocks until all of them have started. On the cooperative pool (one thread
        // per core) at most that many would run at once: the others could not start, and every
        // body would give up after its timeout.
        let n = ProcessInfo.processInfo.activeProcessorCount + 3
        let started = Counter()
        let saw = try await withThrowingTaskGroup(of: Bool.self) { group in
            for _ in 0..<n {
                group.addTask {
                    try await onOwnThread {
                        started.value.add(1, ordering: .sequentiallyConsistent)
                        let deadline = Date().addingTimeInterval(5)
                        while started.value.load(ordering: .sequentiallyConsistent) < n, Date() < deadline {
                            usleep(1000)
                        }
                        return started.value.load(ordering: .sequentiallyConsistent) == n
                    }
                }
            }
            return try await group.reduce(into: [Bool]()) { $0.append($1) }
        }
        #expect(saw.count == n && saw.allSatisfy { $0 })
    }

    final class Counter: Sendable { let value = Atomic<Int>(0) }

    @Test("the body's value, its error and what it changes reach the caller")
    func behavesAsACallInPlace() async throws {
        var changed = 0
        let value = try await onOwnThread { () -> String in
            changed = 7
            return "done"
        }
        #expect(value == "done" && changed == 7)
        struct Refused: Error, Equatable {}
        await #expect(throws: Refused.self) { try await onOwnThread { throw Refused() } }
        for i in 0..<200 { #expect(try await onOwnThread { i * 2 } == i * 2) }  // the body is let go each time
    }
}
