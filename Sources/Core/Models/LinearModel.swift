import Foundation

/// A standardised linear model: `intercept + Σ coef_i · (x_i − mean_i) / scale_i`.
///
/// The JSON is `{"format":"linear","features":[…],"mean":[…],"scale":[…],"coefficients":[…],
/// "intercept":b}`; a scikit-learn StandardScaler + Ridge pipeline exports to it, and the
/// built-in trainer writes it.
public struct LinearModel: PredictionModel, Codable, Equatable {
    public var kind: ModelKind { .linear }
    public var format = "linear"
    public let features: [String]
    public let mean: [Double]
    public let scale: [Double]
    public let coefficients: [Double]
    public let intercept: Double

    public var featureNames: [String] { features }

    public init(features: [String], mean: [Double], scale: [Double], coefficients: [Double], intercept: Double) {
        self.features = features
        self.mean = mean
        self.scale = scale
        self.coefficients = coefficients
        self.intercept = intercept
    }

    enum CodingKeys: String, CodingKey { case format, features, mean, scale, coefficients, intercept }

    public init(data: Data, path: String) throws {
        do {
            self = try JSONDecoder().decode(LinearModel.self, from: data)
        } catch let e as DecodingError {
            throw ModelLoadError(path: path, reason: "not a valid linear model: \(LinearModel.describe(e))")
        }
        let n = features.count
        guard format == "linear" else { throw ModelLoadError(path: path, reason: "format is '\(format)', expected 'linear'") }
        guard n > 0, mean.count == n, scale.count == n, coefficients.count == n else {
            throw ModelLoadError(path: path, reason: "features, mean, scale and coefficients must have the same length (\(n), \(mean.count), \(scale.count), \(coefficients.count))")
        }
        if let i = scale.firstIndex(where: { $0 == 0 || !$0.isFinite }) {
            throw ModelLoadError(path: path, reason: "scale for '\(features[i])' is \(scale[i]); it must be finite and non-zero")
        }
    }

    public func predict(_ x: UnsafeBufferPointer<Double>) -> Double {
        var s = intercept
        for i in 0..<coefficients.count { s += coefficients[i] * (x[i] - mean[i]) / scale[i] }
        return s
    }

    /// The model as pretty JSON (full double precision).
    public func json() throws -> Data {
        let e = JSONEncoder()
        e.outputFormatting = [.prettyPrinted, .sortedKeys]
        return try e.encode(self)
    }

    static func describe(_ e: DecodingError) -> String {
        switch e {
        case .keyNotFound(let k, _): return "missing key '\(k.stringValue)'"
        case .typeMismatch(_, let c), .valueNotFound(_, let c):
            return "wrong type at '\(c.codingPath.map(\.stringValue).joined(separator: "."))'"
        case .dataCorrupted(let c): return "corrupt or truncated JSON (\(c.debugDescription))"
        @unknown default: return "\(e)"
        }
    }
}
