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
