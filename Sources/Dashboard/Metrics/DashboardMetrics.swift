import ClosebellCoordinator
import ClosebellCore
import ClosebellProtocol
import ClosebellRuntime
import ClosebellStorage
import Foundation
import Prometheus

/// What the dashboard serves on `/metrics` for Prometheus: the ledger's state, each model's
/// rolling accuracy and the queues, read at each scrape. Cron's coordinator lives for seconds;
/// the dashboard always runs, so alerts on failed runs, a late daily run, degraded accuracy or a
/// queue nobody consumes work between runs too (rules in `ops/monitoring/`). Names in
/// ``MetricNames``; a scrape that cannot reach PostgreSQL answers 503, one that cannot reach the
/// broker leaves the queue series out.
public actor DashboardMetrics {
    let service: DashboardService
    let policy: AlertPolicy
    /// Its own registry, apart from the process's: every series here is set at each scrape.
    let registry = PrometheusCollectorRegistry()

    public init(service: DashboardService, policy: AlertPolicy) {
        self.service = service
        self.policy = policy
    }

    /// The metrics in the Prometheus text format, read now.
    public func render() async throws -> String {
        let state = try await service.db.read { c in
            let ledger = RunLedger(db: c)
            return LedgerState(active: try ledger.activeCount(), latest: try ledger.latestFinished(),
                               days: try ledger.latestCompletedDays(), rolling: try OutcomeStore(db: c).rolling())
        }
        record(state)
        if let queues = try? await service.queues(), queues.brokerError == nil {
            for q in queues.queues {
                gauge(MetricNames.queueMessages, ["queue": q.name, "state": "ready"]).set(q.ready)
                if let unacked = q.unacked {
                    gauge(MetricNames.queueMessages, ["queue": q.name, "state": "unacked"]).set(unacked)
                }
                gauge(MetricNames.queueConsumers, ["queue": q.name]).set(q.consumers)
            }
        }
        return registry.emitToString()
    }

    /// What one scrape reads from PostgreSQL.
    struct LedgerState: Sendable {
        let active: Int
        let latest: [RunKind: (run: RunRecord, finishedAt: Double?)]
        let days: [String: Day]
        let rolling: [RollingAccuracy]
    }

    func record(_ s: LedgerState) {
        gauge(MetricNames.runsActive, [:]).set(s.active)
        for (kind, latest) in s.latest {
            let k = kind.rawValue, r = latest.run
            for status in RunStatus.allCases where status.isFinished {
                gauge(MetricNames.latestRunStatus, ["kind": k, "status": status.rawValue]).set(r.status == status ? 1 : 0)
            }
            gauge(MetricNames.latestRunFailedSymbols, ["kind": k]).set(r.failed)
            gauge(MetricNames.latestRunId, ["kind": k]).set(Int(r.id))
            if let finished = latest.finishedAt { gauge(MetricNames.latestRunFinished, ["kind": k]).set(finished) }
        }
        for (market, day) in s.days {
            gauge(MetricNames.latestPredictedDate, ["market": market]).set(Double(day.daysSinceEpoch) * 86_400)
        }
        for a in s.rolling {
            let labels = ["model_kind": a.modelKind, "model_hash": String(a.modelHash.prefix(12))]
            gauge(MetricNames.modelHitRate, labels).set(a.hitRate20 ?? .nan)
            gauge(MetricNames.modelMAE, labels).set(a.mae20)
            gauge(MetricNames.accuracyDegraded, labels).set(policy.reasons(a).isEmpty ? 0 : 1)
        }
    }

    func gauge(_ name: String, _ labels: [String: String]) -> Gauge {
        registry.makeGauge(name: name, labels: labels.sorted { $0.key < $1.key }.map { ($0.key, $0.value) })
    }
}

extension Gauge {
    func set(_ value: Int) { set(Double(value)) }
}
