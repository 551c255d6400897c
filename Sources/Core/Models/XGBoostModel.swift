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
    /// Flattened nodes of every tree, 16 bytes each; `roots[t]` is tree t's first node.
    let roots: [Int32]
    let nodes: [Node]
    /// Depth of each tree (edges on its longest path).
    let depths: [Int32]
    /// The same trees as perfect binary trees (when every tree is at most ``maxArrayDepth``
    /// deep): node i's children are 2i+1 and 2i+2, so a walk computes addresses instead of
    /// loading them. Shallow leaves are copied down to the tree's depth.
    let perfect: PerfectForest?
    static let maxArrayDepth = 10

    struct PerfectNode {
        var featureAndDefault: UInt32
        var value: Float
    }

    struct PerfectForest {
        /// Per tree: first node in `nodes`, first leaf in `leaves`, depth.
        var nodeBase: [Int32]
        var leafBase: [Int32]
        var depth: [Int32]
        var nodes: [PerfectNode]
        var leaves: [Float]
    }

    /// One tree node. A leaf points to itself on both sides (so a walk of fixed length stays
    /// put once it arrives) and holds its value in `value`.
    struct Node {
        var left: Int32
        var right: Int32
        /// Split feature index; the sign bit set means missing values go left.
        var featureAndDefault: UInt32
        /// Split condition, or the leaf value.
        var value: Float
    }

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
                    // Exactly an integer within 32 bits: NSNumber.intValue would wrap or truncate.
                    if let n = v as? NSNumber, let x = Int32(exactly: n.doubleValue) { return Int(x) }
                    throw fail("tree \(t): entry in '\(key)' is not a 32-bit integer")
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
            var isChild = [Bool](repeating: false, count: n)
            for i in 0..<n {
                guard let c = sc[i] as? NSNumber else { throw fail("tree \(t): non-numeric split condition") }
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
                value.append(c.floatValue)
                defaultLeft.append(dl[i] != 0)
            }
        }
        self.roots = roots
        let nodes = (0..<left.count).map { i in
            left[i] < 0
                ? Node(left: Int32(i), right: Int32(i), featureAndDefault: 0, value: value[i])
                : Node(left: left[i], right: right[i], featureAndDefault: UInt32(feature[i]) | (defaultLeft[i] ? 0x8000_0000 : 0), value: value[i])
        }
        self.nodes = nodes
        var depth = [Int32](repeating: 0, count: nodes.count)
        var depths: [Int32] = []
        for (t, root) in roots.enumerated() {
            let end = t + 1 < roots.count ? Int(roots[t + 1]) : nodes.count
            var maxDepth: Int32 = 0
            for i in Int(root)..<end where left[i] >= 0 {  // children always come after their parent
                depth[Int(left[i])] = depth[i] + 1
                depth[Int(right[i])] = depth[i] + 1
                maxDepth = max(maxDepth, depth[i] + 1)
            }
            depths.append(maxDepth)
        }
        self.depths = depths
        if (depths.max() ?? 0) <= XGBoostModel.maxArrayDepth {
            var f = PerfectForest(nodeBase: [], leafBase: [], depth: [], nodes: [], leaves: [])
            for (t, root) in roots.enumerated() {
                let d = Int(depths[t])
                f.nodeBase.append(Int32(f.nodes.count)); f.leafBase.append(Int32(f.leaves.count)); f.depth.append(Int32(d))
                let internalCount = (1 << d) - 1
                var pn = [PerfectNode](repeating: PerfectNode(featureAndDefault: 0x8000_0000, value: .infinity), count: internalCount)
                var lv = [Float](repeating: 0, count: 1 << d)
                // Place original node `n` at perfect position `pos` (level `level`).
                func place(_ n: Int, _ pos: Int, _ level: Int) {
                    let node = nodes[n]
                    let isLeaf = node.left == Int32(n) && node.right == Int32(n) && left[n] < 0
                    if isLeaf {
                        // Every leaf below `pos` at depth d carries this value, whatever the path.
                        let span = 1 << (d - level)
                        let firstLeaf = (pos + 1) * span - 1 - internalCount
                        for k in 0..<span { lv[firstLeaf + k] = node.value }
                        return
                    }
                    pn[pos] = PerfectNode(featureAndDefault: node.featureAndDefault, value: node.value)
                    place(Int(node.left), 2 * pos + 1, level + 1)
                    place(Int(node.right), 2 * pos + 2, level + 1)
                }
                place(Int(root), 0, 0)
                f.nodes += pn
                f.leaves += lv
            }
            perfect = f
        } else {
            perfect = nil
        }
    }

    public var treeCount: Int { roots.count }

    public func predict(_ x: UnsafeBufferPointer<Double>) -> Double {
        var out = 0.0
        withUnsafeMutablePointer(to: &out) { o in predictBatch(x, rows: 1, into: UnsafeMutableBufferPointer(start: o, count: 1)) }
        return out
    }

    /// Scores `rows` row-major vectors in blocks, tree by tree (each tree stays in cache for a
    /// block of rows), with float32 features and float32 accumulation as XGBoost does.
    public func predictBatch(_ x: UnsafeBufferPointer<Double>, rows: Int, into out: UnsafeMutableBufferPointer<Double>) {
        let width = featureNames.count
        let block = 64
        withUnsafeTemporaryAllocation(of: Float.self, capacity: block * width + block) { tmp in
            let xf = UnsafeMutableBufferPointer(rebasing: tmp[0..<(block * width)])
            let acc = UnsafeMutableBufferPointer(rebasing: tmp[(block * width)...])
            nodes.withUnsafeBufferPointer { nodes in
                var start = 0
                while start < rows {
                    let count = min(block, rows - start)
                    for i in 0..<(count * width) { xf[i] = Float(x[start * width + i]) }
                    for r in 0..<count { acc[r] = baseScore }
                    if let f = perfect {
                        Self.walkPerfect(f, xf: UnsafeBufferPointer(xf), width: width, count: count, acc: acc)
                    } else {
                    for (t, root) in roots.enumerated() {
                        let steps = Int(depths[t])
                        // Eight rows descend together, without branches: their loads overlap and
                        // nothing mispredicts. A leaf loops to itself, so every walk takes `steps`.
                        var r0 = 0
                        while r0 < count {
                            let lanes = min(8, count - r0)
                            var idx: (Int32, Int32, Int32, Int32, Int32, Int32, Int32, Int32) = (root, root, root, root, root, root, root, root)
                            withUnsafeMutableBytes(of: &idx) { raw in
                                let id = raw.bindMemory(to: Int32.self)
                                for _ in 0..<steps {
                                    for k in 0..<lanes {
                                        let n = nodes[Int(id[k])]
                                        let fd = n.featureAndDefault
                                        let v = xf[(r0 + k) * width + Int(fd & 0x7FFF_FFFF)]
                                        let less: UInt32 = v < n.value ? 1 : 0           // false for NaN
                                        let missing: UInt32 = v.isNaN ? 1 : 0
                                        let left = less | (missing & (fd >> 31))
                                        id[k] = n.right &+ (n.left &- n.right) &* Int32(bitPattern: left)
                                    }
                                }
                                for k in 0..<lanes { acc[r0 + k] += nodes[Int(id[k])].value }
                            }
                            r0 += lanes
                        }
                    }
                    }
                    for r in 0..<count { out[start + r] = Double(acc[r]) }
                    start += count
                }
            }
        }
    }

    /// Branch-free descent of the perfect-layout forest for a block of rows.
    static func walkPerfect(_ f: PerfectForest, xf: UnsafeBufferPointer<Float>, width: Int, count: Int, acc: UnsafeMutableBufferPointer<Float>) {
        f.nodes.withUnsafeBufferPointer { nodes in
            f.leaves.withUnsafeBufferPointer { leaves in
                for t in 0..<f.depth.count {
                    let base = Int(f.nodeBase[t]), lbase = Int(f.leafBase[t]), d = Int(f.depth[t])
                    let internalCount = (1 << d) - 1
                    var r0 = 0
                    while r0 < count {
                        let lanes = min(16, count - r0)
                        if lanes == 16 {
                            walkLanes(16, nodes, leaves, base: base, lbase: lbase, depth: d, xf: xf, row0: r0, width: width, acc: acc)
                        } else {
                            for k in 0..<lanes {
                                walkLanes(1, nodes, leaves, base: base, lbase: lbase, depth: d, xf: xf, row0: r0 + k, width: width, acc: acc)
                            }
                        }
                        r0 += lanes
                    }
                }
            }
        }
    }

    /// `lanes` rows descend one perfect tree together (a constant `lanes` unrolls fully).
    @inline(__always)
    static func walkLanes(_ lanes: Int, _ nodes: UnsafeBufferPointer<PerfectNode>, _ leaves: UnsafeBufferPointer<Float>,
                          base: Int, lbase: Int, depth d: Int, xf: UnsafeBufferPointer<Float>, row0: Int, width: Int,
                          acc: UnsafeMutableBufferPointer<Float>) {
        withUnsafeTemporaryAllocation(of: Int.self, capacity: lanes) { id in
            for k in 0..<lanes { id[k] = 0 }
            for _ in 0..<d {
                for k in 0..<lanes {
                    let n = nodes[base &+ id[k]]
                    let fd = n.featureAndDefault
                    let v = xf[(row0 &+ k) &* width &+ Int(fd & 0x7FFF_FFFF)]
                    let less = v < n.value ? 1 : 0
                    let missing = v.isNaN ? 1 : 0
                    id[k] = 2 &* id[k] &+ 2 &- (less | (missing & Int(fd >> 31)))
                }
            }
            let internalCount = (1 << d) - 1
            for k in 0..<lanes { acc[row0 + k] += leaves[lbase &+ id[k] &- internalCount] }
        }
    }
}
