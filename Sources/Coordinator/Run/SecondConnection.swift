import ClosebellStorage
import Foundation
import Logging

/// A run's second PostgreSQL connection, so that two backends work at once instead of each
/// waiting on the coordinator and the coordinator on it: results that arrive together are
/// applied in two transactions, and a large set of windows is read as two halves.
///
/// Results are split by chunk, so the two transactions never lock the same chunk row; both
/// update the run's row last (``RunLedger/refreshCounts(_:)`` locks it before recounting, so
/// the second recount sees the first one's chunks).
final class SecondConnection: @unchecked Sendable {
    let db: ReconnectingPGConnection

    init(url: String, logger: Logger) throws {
        db = try ReconnectingPGConnection(url: url, logger: logger)
    }

    /// Runs `there` with the second connection on a thread of its own while `here` runs on the
    /// caller's; returns both results once both ended (the first error, if any, is thrown).
    func both<A, B>(here: () throws -> A, there: @escaping (ReconnectingPGConnection) throws -> B) throws -> (A, B) {
        let job = Job { [db] in Result { try there(db) } }
        let done = DispatchSemaphore(value: 0)
        Thread.detachNewThread {
            job.run()
            done.signal()
        }
        let a = Result { try here() }
        done.wait()
        return (try a.get(), try job.result!.get())
    }

    func close() { db.close() }

    /// Work handed to the other thread; the caller reads `result` only after it signalled.
    private final class Job<B>: @unchecked Sendable {
        let work: () -> Result<B, Error>
        var result: Result<B, Error>?
        init(_ work: @escaping () -> Result<B, Error>) { self.work = work }
        func run() { result = work() }
    }
}
