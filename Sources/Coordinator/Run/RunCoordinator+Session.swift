import ClosebellStorage
import Foundation

extension RunCoordinator {
    /// A run on the resident session's connections and broker, handed back when it returns.
    func run(borrowing session: RunSession, started: Date) throws -> (RunExit, RunRecord?) {
        let lock = try session.lockConnection()
        guard try NamedLock.tryHold(lockName, on: lock) else {
            session.giveBack(lock: lock, second: nil)
            sayLocked()
            return (.locked, nil)
        }
        lockConn = lock
        second = session.secondConnection()
        defer {
            session.giveBack(lock: lockConn, second: second)
            lockConn = nil
            second = nil
        }
        let broker = session.broker, db = try session.runConnection()
        broker.connect()
        do {
            try broker.setConsuming(true)
            let outcome = try run(db, broker, started: started)
            try stopConsuming(db, broker)
            return outcome
        } catch {
            // Whatever was received and not applied goes back to the queue with the connection,
            // and the next connection consumes nothing until a run asks.
            broker.close()
            try? broker.setConsuming(false)
            throw error
        }
    }

    /// After a resident coordinator's run: no more results are taken, and those that arrived
    /// before the broker confirmed it (late copies, another coordinator's) are applied now, as
    /// any coordinator applies what it receives.
    func stopConsuming(_ db: ReconnectingPGConnection, _ broker: any RunBroker) throws {
        try broker.setConsuming(false)
        while broker.bufferedDeliveries > 0 { try drain(db, broker, timeout: .milliseconds(1)) }
    }

    func sayLocked() {
        say("another coordinator is already running \(request.market) \(request.daysDescription); "
            + "not starting a second one")
    }
}
