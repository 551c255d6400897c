import ClosebellCore
import ClosebellStorage
import Foundation
import Logging

/// A backfill's next chunks, made ready on a thread and a database connection of their own
/// while the run applies results: the due chunks are found, their ranges read and their
/// messages encoded, so the run only publishes them (``RunCoordinator/publishDue``).
///
/// Before, the run's one thread read and encoded each batch of chunks itself (3–5 s of a
/// 2.4M-prediction backfill), and no result was applied meanwhile. One batch is made at a
/// time, and the next only after the last one was recorded as published, so no chunk is
/// made twice; a batch never published (the run stopped) leaves its chunks pending.
final class ChunkPrefetch: @unchecked Sendable {
    /// Chunks made ready: their numbers and messages, and the seconds spent reading and encoding.
    struct Batch: Sendable {
        var chunkNos: [Int] = []
        var messages: [OutgoingMessage] = []
        var loadSeconds = 0.0, encodeSeconds = 0.0
    }

    private let url: String
    private let logger: Logger
    /// The prefetch's connection: used only on the thread of the batch being made.
    private var db: ReconnectingPGConnection?
    private var making: ThreadFuture<Batch>?

    init(url: String, logger: Logger) {
        self.url = url
        self.logger = logger
    }

    /// Starts making a batch with `make`, unless one is being made or waits to be taken.
    func start(_ make: @escaping @Sendable (ReconnectingPGConnection) throws -> Batch) {
        guard making == nil else { return }
        making = ThreadFuture { [self] in
            if db == nil { db = try ReconnectingPGConnection(url: url, logger: logger) }
            return try make(db!)
        }
    }

    /// The batch made, if it is ready (or `wait`: once it is); nil when none is being made.
    /// Rethrows what making it threw.
    func take(wait: Bool) throws -> Batch? {
        guard let m = making, wait || m.isReady else { return nil }
        making = nil
        return try m.wait()
    }

    /// Waits for a batch being made, then closes the connection.
    func close() {
        _ = try? making?.wait()
        making = nil
        db?.close()
        db = nil
    }
}
