import Foundation

extension XGBoostModel {
    /// Reads `Booster.save_model("model.json")` output and checks it is a tree forest this scorer
    /// can walk: every child in range and after its parent, no node with two parents, every split
    /// on a named feature, no categorical splits. Any problem is a ``ModelLoadError`` naming it.
    public init(data: Data, path: String) throws {
        func fail(_ r: String) -> ModelLoadError { ModelLoadError(path: path, reason: r) }
        let json: ModelJSON
        do { json = try ModelJSON(bytes: [UInt8](data)) } catch {
            throw fail("not valid JSON (corrupt or truncated XGBoost model): \(error)")
        }
        guard let learner = json.root["learner"], case .object = learner else {
            throw fail("not an XGBoost model: no 'learner' object")
        }
        guard let booster = learner["gradient_booster"], case .object = booster else { throw fail("no 'gradient_booster'") }
        let boosterName = booster["name"]?.string ?? "?"
        guard boosterName == "gbtree" else { throw fail("booster '\(boosterName)' is not supported (gbtree only)") }
        guard let model = booster["model"], let trees = model["trees"]?.array else {
            throw fail("no trees in gradient_booster.model")
        }
        let objective = learner["objective"]?["name"]?.string ?? "?"
        guard XGBoostModel.identityObjectives.contains(objective) else {
            throw fail("objective '\(objective)' is not a supported regression objective")
        }
        let params = learner["learner_model_param"]
        let numTarget = Int(params?["num_target"]?.string ?? "1") ?? 1
        let numClass = Int(params?["num_class"]?.string ?? "0") ?? 0
        guard numTarget <= 1, numClass <= 1 else { throw fail("multi-target or multi-class models are not supported") }
        let base = try Self.baseScore(params?["base_score"]?.string ?? "0.5", fail)
        let numFeature = Int(params?["num_feature"]?.string ?? "") ?? -1
        let nameValues = learner["feature_names"]?.array ?? []
        let names = nameValues.compactMap(\.string)
        guard !names.isEmpty, names.count == nameValues.count else {
            throw fail("model has no feature_names: train it on a DataFrame whose columns are the feature names")
        }
        if numFeature >= 0 && names.count != numFeature {
            throw fail("feature_names lists \(names.count) features but num_feature is \(numFeature)")
        }
        if let info = json.elements(model["tree_info"]), info.count != trees.count {
            throw fail("tree_info has \(info.count) entries for \(trees.count) trees")
        }

        var roots: [Int32] = [], left: [Int32] = [], right: [Int32] = [], feature: [Int32] = []
        var value: [Float] = [], defaultLeft: [Bool] = []
        for (t, tree) in trees.enumerated() {
            func ints(_ key: String) throws -> [Int] {
                guard let v = tree[key], v.isArray else { throw fail("tree \(t): missing '\(key)'") }
                guard let a = json.int32s(v) else { throw fail("tree \(t): entry in '\(key)' is not a 32-bit integer") }
                return a.map(Int.init)
            }
            let l = try ints("left_children"), r = try ints("right_children"), si = try ints("split_indices")
            let dl = try ints("default_left")
            guard tree["split_conditions"]?.isArray == true else { throw fail("tree \(t): missing 'split_conditions'") }
            guard let sc = json.doubles(tree["split_conditions"]) else { throw fail("tree \(t): non-numeric split condition") }
            let n = l.count
            guard n > 0, r.count == n, si.count == n, dl.count == n, sc.count == n else {
                throw fail("tree \(t): node arrays have different lengths (truncated model?)")
            }
            let splitTypes = json.int32s(tree["split_type"]).map { $0.contains { $0 != 0 } }
            if splitTypes ?? json.elements(tree["split_type"])?.contains(where: { (json.int32($0) ?? 0) != 0 }) ?? false {
                throw fail("tree \(t): categorical splits are not supported")
            }
            let offset = Int32(left.count)
            roots.append(offset)
            var isChild = [Bool](repeating: false, count: n)
            for i in 0..<n {
                let c = sc[i]
                let isLeaf = l[i] == -1
                if !isLeaf {
                    guard (0..<n).contains(l[i]), (0..<n).contains(r[i]), l[i] > i, r[i] > i else {
                        throw fail("tree \(t): node \(i) has children out of range")
                    }
                    // A tree: no node is the child of two parents (or twice of one).
                    guard l[i] != r[i], !isChild[l[i]], !isChild[r[i]] else {
                        throw fail("tree \(t): node \(i) shares a child with another node")
                    }
                    isChild[l[i]] = true
                    isChild[r[i]] = true
                    guard (0..<names.count).contains(si[i]) else {
                        throw fail("tree \(t): node \(i) splits on feature \(si[i]) but the model has \(names.count)")
                    }
                }
                left.append(isLeaf ? -1 : offset + Int32(l[i]))
                right.append(isLeaf ? -1 : offset + Int32(r[i]))
                feature.append(isLeaf ? 0 : Int32(si[i]))
                value.append(Float(c))
                defaultLeft.append(dl[i] != 0)
            }
        }
        self.init(featureNames: names, baseScore: base, roots: roots, left: left, right: right, feature: feature,
                  value: value, defaultLeft: defaultLeft)
    }

    /// `base_score` as 2.x writes it (`"5E-1"`) or as 3.1+ does (`"[5E-1]"`, one value per target).
    static func baseScore(_ text: String, _ fail: (String) -> ModelLoadError) throws -> Float {
        var bs = text.trimmingCharacters(in: .whitespaces)
        if bs.hasPrefix("[") && bs.hasSuffix("]") {
            bs = String(bs.dropFirst().dropLast())
            let parts = bs.split(separator: ",")
            guard parts.count == 1 else { throw fail("base_score has \(parts.count) values; one target expected") }
            bs = String(parts[0]).trimmingCharacters(in: .whitespaces)
        }
        guard let base = Float(bs) else { throw fail("unreadable base_score '\(bs)'") }
        return base
    }
}
