import ClosebellCore
import Foundation
import Logging
import ServiceLifecycle
import Synchronization

/// A blocking loop (a rabbitmq-c or libpq connection's) as a `Service`: it runs on a dedicated
/// thread, never on Swift's cooperative pool. Graceful shutdown calls `stop`, which asks the
/// loop to finish what it holds; if it has not returned within `gracePeriod`, the service ends
/// with ``GracePeriodExceeded`` (the process then exits; the broker delivers the unacked work again).
public final class ThreadService: Service, CustomStringConvertible, Sendable {
    public let description: String
    let body: @Sendable () throws -> Void
    let stop: @Sendable () -> Void
    let gracePeriod: Duration

    public init(name: String, gracePeriod: Duration, body: @escaping @Sendable () throws -> Void,
                stop: @escaping @Sendable () -> Void) {
        self.description = name
        self.body = body
        self.stop = stop
        self.gracePeriod = gracePeriod
    }

    /// The loop did not return within the grace period after a graceful shutdown began.
    public struct GracePeriodExceeded: Error, CustomStringConvertible {
        public let service: String
        public let gracePeriod: Duration
        public var description: String { "\(service) did not stop within its grace period of \(gracePeriod)" }
    }

    public func run() async throws {
        let finished = Once()
        try await withGracefulShutdownHandler {
            try await withCheckedThrowingContinuation { (cont: CheckedContinuation<Void, Error>) in
                finished.set(cont)
                let thread = Thread { [body] in
                    do { try body(); finished.resume(with: .success(())) } catch { finished.resume(with: .failure(error)) }
                }
                thread.name = description
                thread.start()
            }
        } onGracefulShutdown: { [stop, gracePeriod, description] in
            stop()
            Thread.detachNewThread {
                Thread.sleep(forTimeInterval: gracePeriod.seconds)
                finished.resume(with: .failure(GracePeriodExceeded(service: description, gracePeriod: gracePeriod)))
            }
        }
    }

    /// Resumes a continuation exactly once, whichever of the loop and the grace timer ends first.
    final class Once: Sendable {
        private struct State {
            var continuation: CheckedContinuation<Void, Error>?
            var result: Result<Void, Error>?
        }
        private let state = Mutex(State())

        func set(_ c: CheckedContinuation<Void, Error>) {
            let early: Result<Void, Error>? = state.withLock { s in
                if let r = s.result { return r }
                s.continuation = c
                return nil
            }
            if let early { c.resume(with: early) }
        }

        func resume(with result: Result<Void, Error>) {
            let c: CheckedContinuation<Void, Error>? = state.withLock { s in
                guard s.result == nil else { return nil }
                s.result = result
                defer { s.continuation = nil }
                return s.continuation
            }
            c?.resume(with: result)
        }
    }
}
