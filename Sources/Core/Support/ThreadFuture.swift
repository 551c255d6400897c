import Foundation

/// A value made on a thread of its own while the caller does something else, for blocking work
/// (opening connections side by side) that must stay off Swift's cooperative pool.
public final class ThreadFuture<Value>: @unchecked Sendable {
    private let done = DispatchSemaphore(value: 0)
    private var result: Result<Value, Error>?

    /// Starts `make` on a new thread.
    public init(_ make: @escaping @Sendable () throws -> Value) {
        Thread.detachNewThread { [self] in
            result = Result { try make() }
            done.signal()
        }
    }

    /// Whether the value is made (``wait()`` then returns at once).
    public var isReady: Bool {
        guard done.wait(timeout: .now()) == .success else { return false }
        done.signal()
        return true
    }

    /// Waits for the value (or rethrows what making it threw). Callable more than once.
    public func wait() throws -> Value {
        done.wait()
        defer { done.signal() }
        return try result!.get()
    }
}
