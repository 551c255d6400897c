import ClosebellStorage
import Foundation

/// When a model's accuracy counts as degraded (SPEC §5), per deployment (settings `alerts.*`).
public struct AlertPolicy: Sendable, Equatable {
    /// Alert when the rolling 20-trading-day direction hit rate falls below this. Default 0.5.
    public var hitRateBelow: Double = 0.5
    /// Alert when the rolling 20-day MAE exceeds this multiple of the model's MAE over the 120
    /// trading days before those 20. Default 1.5.
    public var maeMultiple: Double = 1.5
    /// Trading days with outcomes the rolling window must hold before the hit rate is judged. Default 20.
    public var minimumDays = 20
    /// Trading days the MAE baseline must hold before the MAE is judged. Default 120.
    public var minimumBaselineDays = 120

    public init(hitRateBelow: Double = 0.5, maeMultiple: Double = 1.5, minimumDays: Int = 20, minimumBaselineDays: Int = 120) {
        self.hitRateBelow = hitRateBelow
        self.maeMultiple = maeMultiple
        self.minimumDays = minimumDays
        self.minimumBaselineDays = minimumBaselineDays
    }
}

extension AlertPolicy {
    /// Why `a` is degraded under the policy (empty: it is not).
    public func reasons(_ a: RollingAccuracy) -> [String] {
        var why: [String] = []
        if a.days20 >= minimumDays, let hit = a.hitRate20, hit < hitRateBelow {
            why.append(String(format: "rolling 20-day hit rate %.3f is below %.3f", hit, hitRateBelow))
        }
        if a.baselineDays >= minimumBaselineDays, let base = a.baselineMAE120, base > 0, a.mae20 > maeMultiple * base {
            why.append(String(format: "rolling 20-day MAE %.4f is above %.2f× the 120-day baseline %.4f", a.mae20,
                              maeMultiple, base))
        }
        return why
    }
}
