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

    /// Builds the forest from flat node arrays (global indexes; a leaf has `left` -1).
    init(featureNames: [String], baseScore: Float, roots: [Int32], left: [Int32], right: [Int32], feature: [Int32],
         value: [Float], defaultLeft: [Bool]) {
        self.featureNames = featureNames
        self.baseScore = baseScore
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
