import Foundation

/// A LightGBM regression model, loaded from `Booster.save_model("model.txt")`.
///
/// Scores like LightGBM's own predictor: `x <= threshold` goes left; `decision_type` bit 1 is
/// default-left and bits 2–3 the missing type (none / zero / NaN); NaN is treated as 0 unless
/// the missing type is NaN; a negative child `~i` is leaf i. Leaf values add up in double.
public struct LightGBMModel: PredictionModel {
    public let kind = ModelKind.lightgbm
    public let featureNames: [String]
    let roots: [Int32]        // first node of each tree, or -(leaf index + 1) for a single-leaf tree
    let leafBase: [Int32]     // first leaf of each tree in `leafValue`
    let left: [Int32]
    let right: [Int32]
    let feature: [Int32]
    let threshold: [Double]
    let decision: [UInt8]
    let leafValue: [Double]
    let averageOutput: Bool
    let sqrtOutput: Bool

    static let identityObjectives: Set<String> = ["regression", "regression_l2", "regression_l1", "l2", "l1", "mse", "mae",
                                                   "huber", "fair", "quantile", "mape", "rmse", "root_mean_squared_error"]

    public init(text: String, path: String) throws {
        func fail(_ r: String) -> ModelLoadError { ModelLoadError(path: path, reason: r) }
        var header: [String: String] = [:]
        var trees: [[String: String]] = []
        var current: [String: String]? = nil
        var sawEnd = false
        // "\r\n" is one Character in Swift: split on it too, or a CRLF file is one long line.
        for line in text.split(omittingEmptySubsequences: true, whereSeparator: { $0 == "\n" || $0 == "\r\n" || $0 == "\r" }) {
            if line == "end of trees" { sawEnd = true; break }
            if line.hasPrefix("Tree=") {
                if let c = current { trees.append(c) }
                current = [:]
                continue
            }
            guard let eq = line.firstIndex(of: "=") else {
                if current == nil { header[String(line)] = "" }
                continue
            }
            let k = String(line[..<eq]), v = String(line[line.index(after: eq)...])
            if current != nil { current![k] = v } else { header[k] = v }
        }
        if let c = current { trees.append(c) }
        guard header["version"] != nil || text.hasPrefix("tree") else { throw fail("not a LightGBM model file (no 'tree' header)") }
        guard sawEnd else { throw fail("truncated LightGBM model: no 'end of trees' line") }
        guard !trees.isEmpty else { throw fail("LightGBM model has no trees") }
        let numClass = Int(header["num_class"] ?? "1") ?? 1
        let perIteration = Int(header["num_tree_per_iteration"] ?? "1") ?? 1
        guard numClass == 1, perIteration == 1 else { throw fail("multiclass models are not supported") }
        let objectiveParts = (header["objective"] ?? "regression").split(separator: " ").map(String.init)
        guard let objective = objectiveParts.first, LightGBMModel.identityObjectives.contains(objective) else {
            throw fail("objective '\(header["objective"] ?? "")' is not a supported regression objective")
        }
        sqrtOutput = objectiveParts.contains("sqrt")
        averageOutput = header["average_output"] != nil
        guard let names = header["feature_names"]?.split(separator: " ").map(String.init), !names.isEmpty else {
            throw fail("no feature_names line")
        }
        featureNames = names

        var roots: [Int32] = [], leafBase: [Int32] = [], left: [Int32] = [], right: [Int32] = []
        var feature: [Int32] = [], threshold: [Double] = [], decision: [UInt8] = [], leafValue: [Double] = []
        for (t, tree) in trees.enumerated() {
            func list<T>(_ key: String, _ conv: (Substring) -> T?) throws -> [T] {
                guard let s = tree[key] else { throw fail("tree \(t): missing '\(key)'") }
                return try s.split(separator: " ").map { p in
                    guard let v = conv(p) else { throw fail("tree \(t): unreadable value '\(p)' in '\(key)'") }
                    return v
                }
            }
            guard let numLeaves = Int(tree["num_leaves"] ?? "") , numLeaves >= 1 else { throw fail("tree \(t): bad num_leaves") }
            if (Int(tree["num_cat"] ?? "0") ?? 0) > 0 { throw fail("tree \(t): categorical splits are not supported") }
            if (tree["is_linear"] ?? "0") != "0" { throw fail("tree \(t): linear trees are not supported") }
            let leaves = try list("leaf_value") { Double($0) }
            guard leaves.count == numLeaves else { throw fail("tree \(t): \(leaves.count) leaf values for \(numLeaves) leaves") }
            let base = Int32(leafValue.count)
            leafBase.append(base)
            leafValue += leaves
            if numLeaves == 1 { roots.append(-1); continue }
            let sf = try list("split_feature") { Int32($0) }, th = try list("threshold") { Double($0) }
            let dt = try list("decision_type") { UInt8($0) }
            let lc = try list("left_child") { Int32($0) }, rc = try list("right_child") { Int32($0) }
            let splits = numLeaves - 1
            guard sf.count == splits, th.count == splits, dt.count == splits, lc.count == splits, rc.count == splits else {
                throw fail("tree \(t): split arrays do not match num_leaves=\(numLeaves) (truncated model?)")
            }
            let offset = Int32(left.count)
            roots.append(offset)
            for i in 0..<splits {
                if dt[i] & 1 != 0 { throw fail("tree \(t): categorical split at node \(i) is not supported") }
                guard (0..<Int32(names.count)).contains(sf[i]) else { throw fail("tree \(t): split on unknown feature \(sf[i])") }
                for c in [lc[i], rc[i]] {
                    // LightGBM numbers a split after the split above it: an internal child's index
                    // is larger than its parent's. That also rules out cycles (a hung predict).
                    if c >= 0 { guard c < splits, c > i else { throw fail("tree \(t): node \(i) has child \(c) out of order") } } else {
                        guard ~c < numLeaves else { throw fail("tree \(t): leaf \(~c) out of range") }
                    }
                }
                left.append(lc[i] >= 0 ? offset + lc[i] : lc[i])
                right.append(rc[i] >= 0 ? offset + rc[i] : rc[i])
                feature.append(sf[i]); threshold.append(th[i]); decision.append(dt[i])
            }
        }
        self.roots = roots; self.leafBase = leafBase; self.left = left; self.right = right
        self.feature = feature; self.threshold = threshold; self.decision = decision; self.leafValue = leafValue
    }

    public var treeCount: Int { roots.count }

    public func predict(_ x: UnsafeBufferPointer<Double>) -> Double {
        var sum = 0.0
        for t in 0..<roots.count {
            var node = roots[t]
            if node < 0 { sum += leafValue[Int(leafBase[t])]; continue }
            while node >= 0 {
                let n = Int(node)
                var fval = x[Int(feature[n])]
                let d = decision[n]
                let missingType = (d >> 2) & 3
                if fval.isNaN && missingType != 2 { fval = 0 }
                if (missingType == 1 && fval >= -1e-35 && fval <= 1e-35) || (missingType == 2 && fval.isNaN) {
                    node = d & 2 != 0 ? left[n] : right[n]
                } else {
                    node = fval <= threshold[n] ? left[n] : right[n]
                }
            }
            sum += leafValue[Int(leafBase[t]) + Int(~node)]
        }
        if averageOutput { sum /= Double(roots.count) }
        if sqrtOutput { sum = sum.sign == .minus ? -(sum * sum) : sum * sum }
        return sum
    }
}
