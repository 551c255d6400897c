/// The features a worker can compute, by name, in a fixed order.
///
/// Models name the features they need; ``resolve(_:)`` maps those names to features and
/// refuses, with a clear error, a name the registry does not know. Adding a feature is one
/// ``register(_:)`` call.
public struct FeatureRegistry: Sendable {
    public private(set) var features: [any Feature] = []
    private var index: [String: Int] = [:]

    public init(_ features: [any Feature] = []) {
        for f in features { register(f) }
    }

    /// The eight features of the specification, in its order.
    public static let standard = FeatureRegistry([
        ReturnFeature(),
        ReturnLagFeature(lag: 1), ReturnLagFeature(lag: 2), ReturnLagFeature(lag: 3), ReturnLagFeature(lag: 5),
        MovingAverageFeature(window: 20),
        VolatilityFeature(window: 20),
        RSIFeature(period: 14),
    ])

    /// Adds a feature (replacing one of the same name).
    public mutating func register(_ f: any Feature) {
        if let i = index[f.name] { features[i] = f } else {
            index[f.name] = features.count
            features.append(f)
        }
    }

    public var names: [String] { features.map(\.name) }

    public func feature(named name: String) -> (any Feature)? { index[name].map { features[$0] } }

    /// The features for `names`, in that order; throws ``UnknownFeatureError`` for an unknown name.
    public func resolve(_ names: [String]) throws -> [any Feature] {
        try names.map { n in
            guard let f = feature(named: n) else { throw UnknownFeatureError(name: n, known: self.names) }
            return f
        }
    }

    /// Rows of history needed for the last row of every feature in `features` to be exact.
    public static func window(for features: [any Feature]) -> Int { features.map(\.lookback).max() ?? 1 }

    /// The window for all registered features.
    public var window: Int { FeatureRegistry.window(for: features) }
}
