import ClosebellStorage
import Dispatch
import Foundation

/// The dashboard's PostgreSQL connections: a few, each owned by its own serial queue, so libpq's
/// blocking calls run on dedicated threads and never on Swift's cooperative pool. A request
/// takes the next connection in turn; a lost connection is reopened once per request.
public final class DashboardDatabase: Sendable {
    private final class Slot: @unchecked Sendable {
        let queue: DispatchQueue
        var connection: PGConnection?  // touched only on `queue`
        init(_ i: Int) { queue = DispatchQueue(label: "closebell.dashboard.db.\(i)") }
    }

    /// The database is unreachable or a query failed; the page says so (503) instead of a 500.
    public struct Unavailable: Error, CustomStringConvertible {
        public let description: String
    }

    private let url: String
    private let slots: [Slot]
    private let next = Counter()

    /// `connections` connections to `url`, opened on first use.
    public init(url: String, connections: Int = 4) {
        self.url = url
        slots = (0..<max(1, connections)).map(Slot.init)
    }

    /// Runs `body` with a connection on that connection's own thread.
    public func read<R: Sendable>(_ body: @escaping @Sendable (PGConnection) throws -> R) async throws -> R {
        let slot = slots[next.increment() % slots.count]
        let url = url
        return try await withCheckedThrowingContinuation { continuation in
            slot.queue.async {
                continuation.resume(with: Result {
                    for attempt in 0..<2 {
                        let c: PGConnection
                        if let open = slot.connection, open.isOpen {
                            c = open
                        } else {
                            slot.connection = nil
                            do { c = try PGConnection(url, applicationName: "closebell-dashboard") } catch {
                                throw Unavailable(description: "PostgreSQL is unreachable: \(error)")
                            }
                            slot.connection = c
                        }
                        do {
                            return try body(c)
                        } catch let e as PGError where (e.isConnectionLoss || !c.isOpen) && attempt == 0 {
                            c.close()
                            slot.connection = nil
                        }
                    }
                    throw Unavailable(description: "PostgreSQL connection lost")
                })
            }
        }
    }

    /// Closes every connection.
    public func close() {
        for slot in slots { slot.queue.sync { slot.connection?.close(); slot.connection = nil } }
    }
}

/// A thread-safe counter for round-robin choices.
final class Counter: @unchecked Sendable {
    private let lock = NSLock()
    private var value = 0
    func increment() -> Int { lock.lock(); defer { lock.unlock() }; value &+= 1; return value & Int.max }
}
