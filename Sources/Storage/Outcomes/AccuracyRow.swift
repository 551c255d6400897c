import ClosebellCore

/// What accuracy is grouped by: `coordinator accuracy --by`.
public enum AccuracyGrouping: String, CaseIterable, Sendable {
    case model, symbol, day

    /// The key columns, under their SQL names, in output order.
    public var keyColumns: [String] {
        switch self {
        case .model: return ["model_kind", "model_hash"]
        case .symbol: return ["market", "symbol"]
        case .day: return ["as_of_date"]
        }
    }
}

/// Accuracy over a group of predictions with an outcome: n, MAE, RMSE, direction hit rate
/// (nil when every realised return in the group was zero).
public struct AccuracyRow: Sendable, Equatable {
    /// The group's key values, in ``AccuracyGrouping/keyColumns`` order ("" for SQL NULL).
    public let key: [String]
    public let n: Int
    public let mae: Double
    public let rmse: Double
    public let hitRate: Double?
}

/// Accuracy rolling over a model's last 20 trading days, as of one day (``OutcomeStore/rolling(asOf:)``).
public struct RollingAccuracy: Sendable, Equatable, Encodable {
    public let modelKind: String
    public let modelHash: String
    public let asOf: Day
    /// Trading days (with outcomes) in the rolling window: up to 20.
    public let days20: Int
    public let n20: Int
    public let mae20: Double
    public let hitRate20: Double?
    /// The model's MAE over the 120 trading days before those 20 (nil without such history).
    public let baselineMAE120: Double?
    public let baselineDays: Int
}

extension RollingAccuracy {
    /// Decodes `model_kind, model_hash, as_of_date, rolling_n_20, rolling_mae_20, rolling_hit_rate_20,
    /// baseline_mae_120, baseline_days_120, rolling_days_20`.
    init(row r: PGRow) throws {
        self.init(modelKind: try r.string(0), modelHash: try r.string(1), asOf: try r.day(2),
                  days20: try r.int(8), n20: try r.int(3), mae20: try r.double(4),
                  hitRate20: r.optional(5).flatMap(Double.init),
                  baselineMAE120: r.optional(6).flatMap(Double.init), baselineDays: try r.int(7))
    }
}
