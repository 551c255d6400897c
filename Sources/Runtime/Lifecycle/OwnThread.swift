import Foundation

/// Runs blocking work — libpq, rabbitmq-c, reading files — on a thread of its own while the
/// async caller waits for it, so Swift's cooperative pool is never blocked. Every command's
/// blocking part goes through it (`try await onOwnThread { … }`); long-running loops are
/// ``ThreadService``s instead.
///
/// `body` may capture the caller's state: it runs to its end before this returns, like a
/// call made in place, and nothing else runs it at the same time.
public func onOwnThread<T>(_ body: () throws -> T) async throws -> T {
    try await withoutActuallyEscaping(body) { work in
        let job = OwnThreadJob(work)
        try await withCheckedThrowingContinuation { (done: CheckedContinuation<Void, Error>) in
            Thread.detachNewThread {
                job.run()
                done.resume()
            }
        }
        return try job.result!.get()
    }
}

/// ``onOwnThread(_:)``'s body and its outcome. The thread lets go of the body before it
/// resumes the caller (a body still referenced when `withoutActuallyEscaping` ends is a trap),
/// and writes the outcome before that resume, which orders it before the caller reads it.
private final class OwnThreadJob<T>: @unchecked Sendable {
    private var work: (() throws -> T)?
    var result: Result<T, Error>?

    init(_ work: @escaping () throws -> T) { self.work = work }

    func run() {
        result = Result { try work!() }
        work = nil
    }
}
