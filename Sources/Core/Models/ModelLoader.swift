import Foundation

/// A model ready to score, with its identity and where its features sit in the engine's columns.
public struct LoadedModel: Sendable {
    public let identity: ModelIdentity
    public let model: any PredictionModel
    /// For each of the model's features, its column in the feature engine's output.
    public let columns: [Int]

    /// Scores many full feature rows (engine column order, row-major, `width` columns each).
    public func predictBatch(rows x: UnsafeBufferPointer<Double>, width: Int, count: Int, into out: UnsafeMutableBufferPointer<Double>) {
        let m = columns.count
        let identityOrder = columns == Array(0..<m) && m == width
        if identityOrder { model.predictBatch(x, rows: count, into: out); return }
        let packed = UnsafeMutableBufferPointer<Double>.allocate(capacity: max(1, count * m))
        defer { packed.deallocate() }
        for r in 0..<count { for (i, c) in columns.enumerated() { packed[r * m + i] = x[r * width + c] } }
        model.predictBatch(UnsafeBufferPointer(packed), rows: count, into: out)
    }

    /// Scores a full feature row (engine column order).
    public func predict(row: UnsafeBufferPointer<Double>) -> Double {
        withUnsafeTemporaryAllocation(of: Double.self, capacity: columns.count) { x in
            for (i, c) in columns.enumerated() { x[i] = row[c] }
            return model.predict(UnsafeBufferPointer(x))
        }
    }
}

/// Loads any supported model file, by name: `model.json` (XGBoost or linear) or `model.txt` (LightGBM).
public enum ModelLoader {
    /// Loads and validates a model; `engineNames` are the feature columns the worker computes.
    public static func load(path: String, engineNames: [String], registry: FeatureRegistry = .standard) throws -> LoadedModel {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ModelLoadError(path: path, reason: "cannot read model file")
        }
        guard !data.isEmpty else { throw ModelLoadError(path: path, reason: "empty model file") }
        let model: any PredictionModel
        if path.hasSuffix(".txt") {
            guard let text = String(data: data, encoding: .utf8) else { throw ModelLoadError(path: path, reason: "not UTF-8 text") }
            model = try LightGBMModel(text: text, path: path)
        } else if path.hasSuffix(".json") {
            let head = String(decoding: data.prefix(4096), as: UTF8.self)
            if head.contains("\"learner\"") {
                model = try XGBoostModel(data: data, path: path)
            } else if head.contains("\"format\"") || head.contains("\"coefficients\"") {
                model = try LinearModel(data: data, path: path)
            } else {
                throw ModelLoadError(path: path, reason: "neither an XGBoost model (no 'learner') nor a linear model (no 'format')")
            }
        } else {
            throw ModelLoadError(path: path, reason: "unknown model file type: expected model.json or model.txt")
        }
        var columns: [Int] = []
        for name in model.featureNames {
            guard let c = engineNames.firstIndex(of: name) else {
                let known = registry.feature(named: name) != nil
                throw ModelLoadError(path: path, reason: known
                    ? "feature '\(name)' is not computed by this worker's engine"
                    : UnknownFeatureError(name: name, known: registry.names).description)
            }
            columns.append(c)
        }
        let identity = ModelIdentity(kind: model.kind, path: path, hash: ContentHash.sha256Hex([UInt8](data)))
        return LoadedModel(identity: identity, model: model, columns: columns)
    }
}
