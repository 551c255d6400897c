import Foundation

/// An XGBoost gbtree regression model, loaded from `Booster.save_model("model.json")`.
///
/// Scores like XGBoost's CPU predictor: features are compared as float32 (`x < split` goes
/// left), NaN takes the node's default direction, leaf values accumulate in float32 onto
/// `base_score`. Accepts the scalar `base_score` string of 2.x (`"5E-1"`) and the list string of
/// 3.1+ (`"[5E-1]"`).
public struct XGBoostModel: PredictionModel {
    public let kind = ModelKind.xgboost
    public let featureNames: [String]
    public let baseScore: Float
    /// Flattened nodes of every tree; `roots[t]` is tree t's first node.
    let roots: [Int32]
    let left: [Int32]
    let right: [Int32]
    let feature: [Int32]
    let value: [Float]     // split condition, or leaf value on a leaf
    let defaultLeft: [Bool]

    public static let identityObjectives: Set<String> = [
        "reg:squarederror", "reg:linear", "reg:absoluteerror", "reg:pseudohubererror", "reg:quantileerror", "reg:squaredlogerror",
    ]

    public init(data: Data, path: String) throws {
        func fail(_ r: String) -> ModelLoadError { ModelLoadError(path: path, reason: r) }
        let root: Any
        do { root = try JSONSerialization.jsonObject(with: data) } catch {
            throw fail("not valid JSON (corrupt or truncated XGBoost model): \(error.localizedDescription)")
        }
        guard let top = root as? [String: Any], let learner = top["learner"] as? [String: Any] else {
            throw fail("not an XGBoost model: no 'learner' object")
        }
        guard let booster = learner["gradient_booster"] as? [String: Any] else { throw fail("no 'gradient_booster'") }
        let boosterName = booster["name"] as? String ?? "?"
        guard boosterName == "gbtree" else { throw fail("booster '\(boosterName)' is not supported (gbtree only)") }
        guard let model = booster["model"] as? [String: Any], let trees = model["trees"] as? [[String: Any]] else {
            throw fail("no trees in gradient_booster.model")
        }
        let objective = (learner["objective"] as? [String: Any])?["name"] as? String ?? "?"
        guard XGBoostModel.identityObjectives.contains(objective) else {
            throw fail("objective '\(objective)' is not a supported regression objective")
        }
        let params = learner["learner_model_param"] as? [String: Any] ?? [:]
        let numTarget = Int(params["num_target"] as? String ?? "1") ?? 1
        let numClass = Int(params["num_class"] as? String ?? "0") ?? 0
        guard numTarget <= 1, numClass <= 1 else { throw fail("multi-target or multi-class models are not supported") }
        var bs = (params["base_score"] as? String ?? "0.5").trimmingCharacters(in: .whitespaces)
        if bs.hasPrefix("[") && bs.hasSuffix("]") {  // 3.1+: a list, one value per target
            bs = String(bs.dropFirst().dropLast())
            let parts = bs.split(separator: ",")
            guard parts.count == 1 else { throw fail("base_score has \(parts.count) values; one target expected") }
            bs = String(parts[0]).trimmingCharacters(in: .whitespaces)
        }
        guard let base = Float(bs) else { throw fail("unreadable base_score '\(bs)'") }
        baseScore = base
        let numFeature = Int(params["num_feature"] as? String ?? "") ?? -1
        guard let names = learner["feature_names"] as? [String], !names.isEmpty else {
            throw fail("model has no feature_names: train it on a DataFrame whose columns are the feature names")
        }
        if numFeature >= 0 && names.count != numFeature {
            throw fail("feature_names lists \(names.count) features but num_feature is \(numFeature)")
        }
        featureNames = names
        if let info = model["tree_info"] as? [Any], info.count != trees.count {
            throw fail("tree_info has \(info.count) entries for \(trees.count) trees")
        }

        var roots: [Int32] = [], left: [Int32] = [], right: [Int32] = [], feature: [Int32] = []
        var value: [Float] = [], defaultLeft: [Bool] = []
        for (t, tree) in trees.enumerated() {
            func ints(_ key: String) throws -> [Int] {
                guard let a = tree[key] as? [Any] else { throw fail("tree \(t): missing '\(key)'") }
                return try a.map { v in
                    if let n = v as? NSNumber { return n.intValue }
                    throw fail("tree \(t): non-numeric entry in '\(key)'")
                }
            }
            let l = try ints("left_children"), r = try ints("right_children"), si = try ints("split_indices")
            let dl = try ints("default_left")
            guard let sc = tree["split_conditions"] as? [Any] else { throw fail("tree \(t): missing 'split_conditions'") }
            let n = l.count
            guard n > 0, r.count == n, si.count == n, dl.count == n, sc.count == n else {
                throw fail("tree \(t): node arrays have different lengths (truncated model?)")
            }
            if let st = tree["split_type"] as? [Any], st.contains(where: { ($0 as? NSNumber)?.intValue ?? 0 != 0 }) {
                throw fail("tree \(t): categorical splits are not supported")
            }
            let offset = Int32(left.count)
            roots.append(offset)
            for i in 0..<n {
                guard let c = sc[i] as? NSNumber else { throw fail("tree \(t): non-numeric split condition") }
                let isLeaf = l[i] == -1
                if !isLeaf {
                    guard (0..<n).contains(l[i]), (0..<n).contains(r[i]), l[i] > i, r[i] > i else {
                        throw fail("tree \(t): node \(i) has children out of range")
                    }
                    guard (0..<names.count).contains(si[i]) else {
                        throw fail("tree \(t): node \(i) splits on feature \(si[i]) but the model has \(names.count)")
                    }
                }
                left.append(isLeaf ? -1 : offset + Int32(l[i]))
                right.append(isLeaf ? -1 : offset + Int32(r[i]))
                feature.append(Int32(si[i]))
                value.append(c.floatValue)
                defaultLeft.append(dl[i] != 0)
            }
        }
        self.roots = roots; self.left = left; self.right = right
        self.feature = feature; self.value = value; self.defaultLeft = defaultLeft
    }

    public var treeCount: Int { roots.count }

    public func predict(_ x: UnsafeBufferPointer<Double>) -> Double {
        var acc = baseScore
        left.withUnsafeBufferPointer { l in
            right.withUnsafeBufferPointer { r in
                feature.withUnsafeBufferPointer { f in
                    value.withUnsafeBufferPointer { v in
                        defaultLeft.withUnsafeBufferPointer { d in
                            for root in roots {
                                var n = Int(root)
                                while l[n] >= 0 {
                                    let xv = x[Int(f[n])]
                                    let goLeft = xv.isNaN ? d[n] : Float(xv) < v[n]
                                    n = Int(goLeft ? l[n] : r[n])
                                }
                                acc += v[n]
                            }
                        }
                    }
                }
            }
        }
        return Double(acc)
    }
}
