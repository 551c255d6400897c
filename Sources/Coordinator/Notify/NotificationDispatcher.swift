import ClosebellCore
import Foundation
import Logging
import Synchronization

/// Sends a notice to every notifier, each in parallel: attempts are retried with backoff (0.5 s,
/// doubling) until one succeeds or the time budget (`notify.timeout_seconds`) is spent. A
/// notifier that fails or hangs never fails the run, and holds the caller no longer than the
/// budget; every outcome is logged, never with a secret.
public final class NotificationDispatcher: Sendable {
    let notifiers: [any Notifier]
    let events: Set<Notice.Event>
    let budget: Duration
    let logger: Logger

    public init(notifiers: [any Notifier], events: Set<Notice.Event>, budget: Duration = .seconds(10),
                logger: Logger = Logger(label: "closebell.notify")) {
        self.notifiers = notifiers
        self.events = events
        self.budget = budget
        self.logger = logger
    }

    public var isEmpty: Bool { notifiers.isEmpty }

    /// Delivers `notice` if its event is wanted; blocks (a dedicated thread, never the cooperative
    /// pool) at most the budget. Returns the names of the notifiers that delivered it.
    @discardableResult
    public func deliver(_ notice: Notice) -> [String] {
        guard events.contains(notice.event), !notifiers.isEmpty else { return [] }
        let delivered = Delivered()
        let done = DispatchSemaphore(value: 0)
        let deadline = ContinuousClock.now.advanced(by: budget)
        Task { [notifiers, logger] in
            await withTaskGroup(of: Void.self) { group in
                for n in notifiers {
                    group.addTask {
                        if await Self.attempt(n, notice, deadline: deadline, logger: logger) {
                            delivered.names.withLock { $0.append(n.name) }
                        }
                    }
                }
            }
            done.signal()
        }
        if done.wait(timeout: .now() + budget.seconds + 1) == .timedOut {
            logger.warning("notifications still pending after the time budget; going on without them",
                           metadata: ["event": "\(notice.event.rawValue)"])
        }
        return delivered.names.withLock { $0 }
    }

    /// The notifiers that delivered, shared with the sending task.
    final class Delivered: Sendable {
        let names = Mutex<[String]>([])
    }

    static func attempt(_ n: any Notifier, _ notice: Notice, deadline: ContinuousClock.Instant, logger: Logger) async -> Bool {
        var wait = Duration.milliseconds(500)
        var tries = 0
        while true {
            tries += 1
            do {
                try await n.send(notice, deadline: deadline)
                logger.info("notification sent", metadata: ["notifier": "\(n.name)", "event": "\(notice.event.rawValue)",
                                                            "attempts": "\(tries)"])
                return true
            } catch {
                let now = ContinuousClock.now
                guard now.advanced(by: wait) < deadline else {
                    logger.warning("notification not sent", metadata: [
                        "notifier": "\(n.name)", "event": "\(notice.event.rawValue)", "attempts": "\(tries)",
                        "error": "\(error)",
                    ])
                    return false
                }
                logger.notice("notification failed; retrying", metadata: ["notifier": "\(n.name)", "error": "\(error)",
                                                                          "retry_in_seconds": "\(wait.seconds)"])
                try? await Task.sleep(for: wait)
                wait *= 2
            }
        }
    }
}
