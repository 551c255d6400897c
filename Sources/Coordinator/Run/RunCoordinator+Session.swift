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
        session.broker.connect()
        return try run(try session.runConnection(), session.broker, started: started)
    }

    func sayLocked() {
        say("another coordinator is already running \(request.market) \(request.daysDescription); not starting a second one")
    }
}
