import ClosebellCore
import Foundation
import Testing

@Suite("Model files: loading, refusal of bad files, the store's resolution")
struct ModelTests {
    let names = FeatureEngine().names

    func temp() -> String {
        let d = NSTemporaryDirectory() + "closebell-models-\(UUID().uuidString.prefix(8))"
        try? FileManager.default.createDirectory(atPath: d, withIntermediateDirectories: true)
        return d
    }

    func write(_ text: String, _ path: String) throws {
        try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try text.write(toFile: path, atomically: true, encoding: .utf8)
    }

    var linearJSON: String {
        """
        {"format":"linear","features":["Return","RSI"],"mean":[0.1,50],"scale":[2,10],"coefficients":[0.5,-0.25],"intercept":0.01}
        """
    }

    static let xgbTemplate = """
        {"learner":{"feature_names":["Return","RSI"],"feature_types":["float","float"],
         "gradient_booster":{"model":{"gbtree_model_param":{"num_trees":"1"},"tree_info":[0],"trees":[
          {"base_weights":[0,0,0],"default_left":[1,0,0],"id":0,"left_children":[1,-1,-1],"right_children":[2,-1,-1],
           "parents":[2147483647,0,0],"split_conditions":[0.5,-1.5,2.5],"split_indices":[0,0,0],"split_type":[0,0,0],
           "tree_param":{"num_nodes":"3","num_feature":"2"}}]},"name":"gbtree"},
         "learner_model_param":{"base_score":"BASE","num_class":"0","num_feature":"2","num_target":"1"},
         "objective":{"name":"reg:squarederror"}},"version":[2,1,0]}
        """

    @Test("linear: b + Σ coef (x − mean) / scale")
    func linear() throws {
        let d = temp()
        try write(linearJSON, d + "/m/model.json")
        let m = try ModelLoader.load(path: d + "/m/model.json", engineNames: names)
        var row = [Double](repeating: .nan, count: names.count)
        row[0] = 2.1; row[7] = 30
        let v = row.withUnsafeBufferPointer { m.predict(row: $0) }
        #expect(v == 0.01 + 0.5 * (2.1 - 0.1) / 2 + -0.25 * (30 - 50) / 10)
        #expect(m.identity.kind == .linear)
        #expect(m.identity.hash == ContentHash.sha256Hex(Array(linearJSON.utf8)))
    }

    @Test("xgboost: float32 split x < c goes left, NaN takes the default, both base_score styles")
    func xgboostSemantics() throws {
        let d = temp()
        for (i, base) in ["5E-1", "[5E-1]"].enumerated() {
            try write(Self.xgbTemplate.replacingOccurrences(of: "BASE", with: base), d + "/x\(i)/model.json")
            let m = try ModelLoader.load(path: d + "/x\(i)/model.json", engineNames: names)
            func p(_ r: Double) -> Double {
                var row = [Double](repeating: 1, count: names.count)
                row[0] = r
                return row.withUnsafeBufferPointer { m.predict(row: $0) }
            }
            #expect(p(0.4) == 0.5 - 1.5)
            #expect(p(0.5) == 0.5 + 2.5)              // not < 0.5: right
            #expect(p(0.49999999) == 0.5 + 2.5)       // as float32 this is 0.5: not < 0.5, so right (double would go left)
            #expect(p(.nan) == 0.5 - 1.5)             // default_left = 1
        }
    }

    @Test("bad model files are refused with the file and the reason", arguments: [
        ("model.json", "{\"learner\": {\"gradient_booster\": ", "not valid JSON"),
        ("model.json", "{\"format\":\"linear\",\"features\":[\"Return\"],\"mean\":[0],\"scale\":[1]}", "missing key 'coefficients'"),
        ("model.json", "{\"format\":\"linear\",\"features\":[\"Return\",\"RSI\"],\"mean\":[0],\"scale\":[1],\"coefficients\":[1],\"intercept\":0}", "same length"),
        ("model.json", "{\"format\":\"linear\",\"features\":[\"Sentiment\"],\"mean\":[0],\"scale\":[1],\"coefficients\":[1],\"intercept\":0}", "unknown feature 'Sentiment'"),
        ("model.json", "{\"format\":\"linear\",\"features\":[\"RSI\"],\"mean\":[0],\"scale\":[0],\"coefficients\":[1],\"intercept\":0}", "scale for 'RSI' is 0.0"),
        ("model.json", "{\"hello\": 1}", "neither an XGBoost model"),
        ("model.json", "", "empty model file"),
        ("model.txt", "tree\nversion=v4\nnum_class=1\nobjective=regression\nfeature_names=Return RSI\n\nTree=0\nnum_leaves=2\nsplit_feature=0\n", "truncated LightGBM model"),
        ("model.txt", "tree\nversion=v4\nnum_class=1\nobjective=regression\nfeature_names=Return RSI\n\nTree=0\nnum_leaves=3\nsplit_feature=0\nthreshold=1\ndecision_type=2\nleft_child=-1\nright_child=-2\nleaf_value=1 2 3\nend of trees\n", "split arrays do not match"),
        ("model.txt", "tree\nversion=v4\nnum_class=3\nnum_tree_per_iteration=3\nobjective=multiclass\nfeature_names=Return\nTree=0\nnum_leaves=1\nleaf_value=1\nend of trees\n", "multiclass"),
        ("model.txt", "tree\nversion=v4\nobjective=regression\nfeature_names=Return Foo\nTree=0\nnum_leaves=1\nleaf_value=1\nend of trees\n", "unknown feature 'Foo'"),
    ])
    func refused(file: String, content: String, reason: String) throws {
        let d = temp()
        try write(content, d + "/S/" + file)
        let e = #expect(throws: ModelLoadError.self) { try ModelLoader.load(path: d + "/S/" + file, engineNames: names) }
        #expect(e?.path == d + "/S/" + file)
        #expect(e?.description.contains(reason) == true, "\(e?.description ?? "no error")")
    }

    @Test("xgboost models with features the worker cannot compute, or unsupported shapes, are refused")
    func xgboostRefusals() throws {
        let d = temp()
        let cases = [
            (Self.xgbTemplate.replacingOccurrences(of: "BASE", with: "0.5").replacingOccurrences(of: "\"RSI\"]", with: "\"Mood\"]"), "unknown feature 'Mood'"),
            (Self.xgbTemplate.replacingOccurrences(of: "BASE", with: "0.5").replacingOccurrences(of: "\"split_type\":[0,0,0]", with: "\"split_type\":[1,0,0]"), "categorical"),
            (Self.xgbTemplate.replacingOccurrences(of: "BASE", with: "0.5").replacingOccurrences(of: "reg:squarederror", with: "multi:softprob"), "objective"),
            (Self.xgbTemplate.replacingOccurrences(of: "BASE", with: "0.5").replacingOccurrences(of: "\"left_children\":[1,-1,-1]", with: "\"left_children\":[1,-1]"), "different lengths"),
            (Self.xgbTemplate.replacingOccurrences(of: "BASE", with: "0.5").replacingOccurrences(of: "\"name\":\"gbtree\"", with: "\"name\":\"gblinear\""), "gblinear"),
        ]
        for (i, (text, reason)) in cases.enumerated() {
            try write(text, d + "/c\(i)/model.json")
            let e = #expect(throws: ModelLoadError.self) { try ModelLoader.load(path: d + "/c\(i)/model.json", engineNames: names) }
            #expect(e?.description.contains(reason) == true, "\(e?.description ?? "no error")")
        }
    }

    @Test("the store resolves a symbol's own model, else the global one, else the fallback; bad files are errors")
    func storeResolution() throws {
        let d = temp()
        let store = ModelStore(root: d)
        if case .fallback = try store.resolve(symbol: "AAA") {} else { Issue.record("expected fallback") }
        try write(linearJSON, d + "/_global/model.json")
        guard case .model(let g) = try store.resolve(symbol: "AAA") else { Issue.record("expected global"); return }
        #expect(g.identity.path == d + "/_global/model.json")
        try write(linearJSON.replacingOccurrences(of: "0.01", with: "0.02"), d + "/AAA/model.json")
        guard case .model(let own) = try store.resolve(symbol: "AAA") else { Issue.record("expected own"); return }
        #expect(own.identity.path == d + "/AAA/model.json")
        #expect(own.identity.hash != g.identity.hash)
        try write("{broken", d + "/BBB/model.json")
        #expect(throws: ModelLoadError.self) { try store.resolve(symbol: "BBB") }
        if case .model = try store.resolve(symbol: "../AAA") {} // path tricks fall through to the global model
    }

    @Test("a chunk's resolver resolves every symbol as the store does, listing the folders once")
    func chunkResolver() throws {
        let d = temp()
        let store = ModelStore(root: d)
        func path(_ c: ModelChoice) -> String? { if case .model(let m) = c { m.identity.path } else { nil } }
        if case .fallback = try store.resolver().resolve(symbol: "AAA") {} else { Issue.record("expected fallback") }
        try write(linearJSON, d + "/_global/model.json")
        try write(linearJSON.replacingOccurrences(of: "0.01", with: "0.02"), d + "/AAA/model.json")
        try write(linearJSON.replacingOccurrences(of: "0.01", with: "0.03"), d + "/\(ModelStore.folderName(for: "A/B"))/model.json")
        try write("{broken", d + "/BBB/model.json")
        try FileManager.default.createDirectory(atPath: d + "/CCC", withIntermediateDirectories: true)  // no model in it
        let resolver = store.resolver()
        for symbol in ["AAA", "A/B", "CCC", "DDD", "../AAA", "_global", ".x", "AAA"] {
            #expect(path(try resolver.resolve(symbol: symbol)) == path(try store.resolve(symbol: symbol)), "\(symbol)")
        }
        #expect(path(try resolver.resolve(symbol: "A/B"))?.hasSuffix("/A%2FB/model.json") == true)
        #expect(throws: ModelLoadError.self) { try resolver.resolve(symbol: "BBB") }
        // A model added after the resolver was made: the next chunk's resolver sees it.
        try write(linearJSON, d + "/EEE/model.json")
        #expect(path(try resolver.resolve(symbol: "EEE")) == d + "/_global/model.json")
        #expect(path(try store.resolver().resolve(symbol: "EEE")) == d + "/EEE/model.json")
    }

    @Test("predictor: fallback is the mean of the last 20 returns; short history fails at features")
    func predictorFallback() throws {
        let d = temp()
        let predictor = Predictor(store: ModelStore(root: d), calendar: .sundayToThursday)
        var s = SymbolSeries(symbol: "ZZZ")
        var price = 100.0
        for i in 0..<40 {
            price *= i % 3 == 0 ? 1.01 : 0.995
            s.append(Bar(symbol: "ZZZ", day: Day(daysSinceEpoch: Int32(20_000 + i)), open: price, high: price, low: price, close: price, volume: 1))
        }
        let last = s.days.last!
        let p = try predictor.predict(s, asOf: last).get()
        #expect(p.isFallback)
        let rets = (20..<40).map { (s.close[$0] / s.close[$0 - 1] - 1) * 100 }
        #expect(abs(p.value - rets.reduce(0, +) / 20) < 1e-12)
        let short = predictor.predict(s.slice(0..<10), asOf: s.days[9])
        guard case .failure(let f) = short else { Issue.record("expected failure"); return }
        #expect(f.stage == "features")
        guard case .failure(let nd) = predictor.predict(s, asOf: Day(daysSinceEpoch: 1)) else { Issue.record("expected failure"); return }
        #expect(nd.stage == "data")
    }

    @Test("the ridge trainer recovers a known linear relation")
    func trainer() throws {
        let trainer = RidgeTrainer(alpha: 1e-9, minimumRows: 10)
        var rng = SplitMix64(seed: 5)
        var x: [[Double]] = [], y: [Double] = []
        for _ in 0..<2000 {
            let r = (0..<8).map { _ in rng.gaussian() * 3 + 1 }
            x.append(r)
            y.append(0.7 + 0.5 * r[0] - 0.2 * r[7])
        }
        let m = try #require(trainer.fit(x: x, y: y))
        let pred = x[0].withUnsafeBufferPointer { m.predict($0) }
        #expect(abs(pred - y[0]) < 1e-6)
        #expect(trainer.fit(x: Array(x.prefix(5)), y: Array(y.prefix(5))) == nil)
    }
}
