import ClosebellRuntime
import ClosebellStorage
import Foundation
import Logging
import Metrics

/// Evaluates every model's latest rolling accuracy against an ``AlertPolicy`` (after each ingest
/// and each run), records what fired in `alerts` — at most once per model and as-of date — and
/// counts it in `closebell_accuracy_alerts_total`. Returns the alerts that are new.
public struct DegradationCheck {
    let db: PGConnection
    let policy: AlertPolicy
    let logger: Logger

    public init(db: PGConnection, policy: AlertPolicy, logger: Logger = Logger(label: "closebell.accuracy")) {
        self.db = db
        self.policy = policy
        self.logger = logger
    }

    /// Why `a` is degraded under the policy (empty: it is not).
    public func reasons(_ a: RollingAccuracy) -> [String] { policy.reasons(a) }

    public func evaluate() throws -> [AlertRecord] {
        let store = OutcomeStore(db: db)
        var fired: [AlertRecord] = []
        for a in try store.rolling() {
            Gauge(label: MetricNames.modelHitRate, dimensions: [("model_kind", a.modelKind)]).record(a.hitRate20 ?? .nan)
            Gauge(label: MetricNames.modelMAE, dimensions: [("model_kind", a.modelKind)]).record(a.mae20)
            let why = reasons(a)
            guard !why.isEmpty else { continue }
            let model = a.modelHash.isEmpty ? a.modelKind : "\(a.modelKind) \(a.modelHash.prefix(12))"
            let message = "Accuracy of \(model) degraded as of \(a.asOf): " + why.joined(separator: "; ")
            guard let alert = try store.recordAlert(a, reasons: why, message: message) else { continue }
            Counter(label: MetricNames.accuracyAlerts, dimensions: [("model_kind", a.modelKind)]).increment()
            logger.warning("accuracy degraded", metadata: ["model": "\(model)", "as_of": "\(a.asOf)",
                                                           "reasons": "\(why.joined(separator: "; "))"])
            fired.append(alert)
        }
        return fired
    }
}
