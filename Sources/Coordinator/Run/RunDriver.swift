/// A long command that drives runs (one run, or a catch-up over several days): what the
/// process's service group needs to run it on its own thread and stop it gracefully.
public protocol RunDriver: AnyObject, Sendable {
    /// Runs to the end and returns the exit cron sees.
    func drive() throws -> RunExit
    /// Asks the driver to stop (the open run stays open for a later command); any thread.
    func requestStop()
    /// Why the driver is not ready (nil: connected), for `/readyz`.
    var notReady: String? { get }
}

extension RunCoordinator: RunDriver {
    public func drive() throws -> RunExit { try run().0 }
}
