import ClosebellStorage
import Foundation
import Logging

/// What follows a finished run, and new data: the run's notice, then the accuracy check and a
/// notice for every new alert. Nothing here ever fails or holds the run beyond the notifiers'
/// time budget; problems are logged.
public struct OutcomeFollowUp: Sendable {
    public let policy: AlertPolicy
    public let dispatcher: NotificationDispatcher
    public let baseURL: String?
    let logger: Logger

    public init(policy: AlertPolicy, dispatcher: NotificationDispatcher, baseURL: String?,
                logger: Logger = Logger(label: "closebell.notify")) {
        self.policy = policy
        self.dispatcher = dispatcher
        self.baseURL = baseURL
        self.logger = logger
    }

    /// After a run ends (any status): its notice, then its days' accuracy and the check. With an
    /// idle `helper` connection, a range's accuracy is summed in two halves at once (a backfill's).
    public func runFinished(_ r: RunRecord, seconds: Double?, db: PGConnection, helper: PGConnection? = nil) {
        defer {
            do {
                // A run on the newest day has no outcomes yet: its accuracy, and so the alerts,
                // change only once the next day's data arrives (the ingest refreshes them then).
                let store = OutcomeStore(db: db)
                // The accuracy sums, here and after the next ingest, are planned from these.
                try store.analyzePredictionsIfStale(pending: r.succeeded)
                if try store.hasDataAfter(market: r.market, day: r.firstDay ?? r.asOf) {
                    if let helper, let first = r.firstDay, first < r.asOf {
                        try store.refreshAccuracy(market: r.market, from: first, to: r.asOf, alongside: helper)
                    } else {
                        try store.refreshAccuracy(market: r.market, from: r.firstDay ?? r.asOf, to: r.asOf)
                    }
                    checkAccuracy(db)
                }
            } catch {
                logger.warning("could not bring accuracy up to date", metadata: ["run": "\(r.id)", "error": "\(error)"])
            }
        }
        do {
            let failures = try db.query("""
                SELECT symbol, as_of_date::text, stage, error FROM symbol_failures WHERE run_id = $1
                ORDER BY symbol, as_of_date LIMIT 10
                """, [Int(r.id)]).rows.map { (symbol: $0[0]!, day: $0[1]!, stage: $0[2]!, error: $0[3]!) }
            if let notice = Notice.run(r, seconds: seconds, failures: failures, baseURL: baseURL) {
                dispatcher.deliver(notice)
            }
        } catch {
            logger.warning("could not prepare the run's notification", metadata: ["run": "\(r.id)", "error": "\(error)"])
        }
    }

    /// Evaluates degradation (after an ingest or a run) and sends a notice per new alert.
    public func checkAccuracy(_ db: PGConnection) {
        do {
            for alert in try DegradationCheck(db: db, policy: policy, logger: logger).evaluate() {
                let sent = dispatcher.deliver(.degraded(alert, baseURL: baseURL))
                if !sent.isEmpty { try OutcomeStore(db: db).markNotified(alert.id) }
            }
        } catch {
            logger.warning("could not evaluate accuracy alerts", metadata: ["error": "\(error)"])
        }
    }
}
