/// The kinds of model that produce a prediction.
public enum ModelKind: String, Sendable, Codable, CaseIterable {
    case xgboost, lightgbm, linear
    /// No model: the mean of the symbol's last 20 returns.
    case fallback
}

/// A loaded model that scores one feature vector.
public protocol PredictionModel: Sendable {
    var kind: ModelKind { get }
    /// The features the model needs, in the order `predict` expects them.
    var featureNames: [String] { get }
    /// Predicts from a vector in `featureNames` order; NaN means missing.
    func predict(_ x: UnsafeBufferPointer<Double>) -> Double
    /// Scores `rows` vectors stored row-major in `featureNames` order (blocked where it pays).
    func predictBatch(_ x: UnsafeBufferPointer<Double>, rows: Int, into out: UnsafeMutableBufferPointer<Double>)
}

extension PredictionModel {
    public func predict(_ x: [Double]) -> Double { x.withUnsafeBufferPointer { predict($0) } }

    /// Scores `rows` vectors stored row-major in `featureNames` order.
    public func predictBatch(_ x: UnsafeBufferPointer<Double>, rows: Int, into out: UnsafeMutableBufferPointer<Double>) {
        let w = featureNames.count
        for r in 0..<rows { out[r] = predict(UnsafeBufferPointer(rebasing: x[(r * w)..<((r + 1) * w)])) }
    }
}

/// Which model produced a prediction: kind, file and content hash (SHA-256).
public struct ModelIdentity: Sendable, Hashable, Codable {
    public let kind: ModelKind
    public let path: String?
    public let hash: String?

    public init(kind: ModelKind, path: String?, hash: String?) {
        self.kind = kind
        self.path = path
        self.hash = hash
    }

    public static let fallback = ModelIdentity(kind: .fallback, path: nil, hash: nil)
}

/// A model file that cannot be used: corrupt, truncated, unsupported, or naming features the
/// worker cannot compute. The message names the file and what is wrong.
public struct ModelLoadError: Error, CustomStringConvertible, Sendable {
    public let path: String
    public let reason: String
    public init(path: String, reason: String) {
        self.path = path
        self.reason = reason
    }
    public var description: String { "\(path): \(reason)" }
}
