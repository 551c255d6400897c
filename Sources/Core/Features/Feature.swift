/// What a feature reads: one symbol's date-sorted series, plus values shared by many features.
public struct FeatureInput {
    public let open: UnsafeBufferPointer<Double>
    public let high: UnsafeBufferPointer<Double>
    public let low: UnsafeBufferPointer<Double>
    public let close: UnsafeBufferPointer<Double>
    public let volume: UnsafeBufferPointer<Double>
    /// `Close.pct_change() * 100`, computed once per series (NaN on the first row).
    public let returns: UnsafeBufferPointer<Double>
    public var count: Int { close.count }
}

/// A named feature, computed per symbol over its date-sorted history.
///
/// Implementations must reproduce the pandas definition the models were trained on
/// (relative error ≤ 1e-9) and write NaN where pandas gives NaN.
public protocol Feature: Sendable {
    /// The column name models refer to.
    var name: String { get }
    /// Rows of history the value on a row depends on, that row included. Computing from only
    /// the last `lookback` rows must give the same last-row value as the full history.
    var lookback: Int { get }
    /// Writes the feature for every row into `out` (same length as the input).
    func compute(_ input: FeatureInput, into out: UnsafeMutableBufferPointer<Double>)
}

/// A feature name a model asked for that the registry cannot compute.
public struct UnknownFeatureError: Error, CustomStringConvertible, Sendable {
    public let name: String
    public let known: [String]
    public var description: String {
        "unknown feature '\(name)': this worker computes \(known.joined(separator: ", "))"
    }
}
