import Foundation

/// A connection opened by one part of a command and taken, once, by another: the market is
/// chosen on a connection that the run then keeps as its lock connection, instead of opening a
/// second one (a connection costs a few milliseconds of a daily run's ~0.1 s).
public final class PGConnectionHandOff: @unchecked Sendable {
    private let lock = NSLock()
    private var connection: PGConnection?

    public init(_ connection: PGConnection) { self.connection = connection }

    /// The connection, if nobody took it yet and it is still open; nil afterwards.
    public func take() -> PGConnection? {
        let c: PGConnection? = lock.withLock {
            defer { connection = nil }
            return connection
        }
        guard let c else { return nil }
        if c.isOpen { return c }
        c.close()
        return nil
    }
}
