import ClosebellCore
import Foundation
import Testing

/// Parity with the outside world: features against pandas, predictions against xgboost,
/// lightgbm and scikit-learn themselves (run by Tests/parity/reference.py in the venv that
/// ops/python-env creates).
@Suite("Parity with pandas, xgboost, lightgbm and scikit-learn", .serialized,
       .enabled(if: ProcessInfo.processInfo.environment["CLOSEBELL_PYTHON"] != nil
                    || ProcessInfo.processInfo.environment["CLOSEBELL_REQUIRE_SERVERS"] == "1",
                "needs the Python venv (pandas, xgboost, lightgbm, scikit-learn): run ops/test, which creates it"))
struct ParityTests {
    static let fixture: Result<Fixture, Error> = Result { try Fixture() }

    struct Fixture {
        let dir: String
        let history: MarketHistory

        init() throws {
            guard let python = ProcessInfo.processInfo.environment["CLOSEBELL_PYTHON"] else {
                throw FixtureError("CLOSEBELL_PYTHON is not set: run the tests with ops/test (it creates the venv)")
            }
            dir = NSTemporaryDirectory() + "closebell-parity-\(UUID().uuidString.prefix(8))"
            let data = dir + "/data"
            let paths = try SampleDataGenerator(symbols: 40, days: 320, seed: 11, market: "nepse", calendar: .sundayToThursday,
                                               malformedPerFile: 0).write(to: data)
            try ParityTests.appendEdgeSymbols(paths)
            let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
                .appendingPathComponent("parity/reference.py").path
            let status = try ChildProcess.run(python, [script, data, dir + "/ref"], outputPath: dir + "/python.log")
            guard status == 0 else {
                throw FixtureError("reference.py failed (\(status)): \((try? String(contentsOfFile: dir + "/python.log", encoding: .utf8)) ?? "")")
            }
            history = try MarketHistory.load([data])
        }
    }

    struct FixtureError: Error, CustomStringConvertible {
        let description: String
        init(_ s: String) { description = s }
    }

    /// Symbols whose shapes hit the edge cases: flat (0/0 RSI, zero volatility), only rising
    /// (x/0 RSI = 100), only falling, a flat stretch then movement, and a late listing.
    static func appendEdgeSymbols(_ paths: [String]) throws {
        for (i, p) in paths.enumerated() {
            let day = DailyFileName(p)!.day
            var rows: [String] = []
            func add(_ sym: String, _ c: Double) { rows.append("\(day),\(sym),\(c),\(c),\(c),\(c),1000") }
            add("EDGFLAT", 50)
            add("EDGUP", 100 + Double(i))
            add("EDGDN", 500 - 0.5 * Double(i))
            add("EDGSTEP", i < 25 ? 100 : (i % 2 == 0 ? 101.25 : 99.5 + Double(i % 7) * 0.01))
            if i >= paths.count - 16 { add("EDGLATE", 20 + Double(i % 3)) }
            let h = try FileHandle(forWritingTo: URL(fileURLWithPath: p))
            h.seekToEndOfFile()
            h.write(Data((rows.joined(separator: "\n") + "\n").utf8))
            try h.close()
        }
    }

    static func close(_ a: Double, _ b: Double, rel: Double, abs absTol: Double) -> Bool {
        if a.isNaN || b.isNaN { return a.isNaN && b.isNaN }
        if a == b { return true }
        return Swift.abs(a - b) <= absTol || Swift.abs(a - b) <= rel * max(Swift.abs(a), Swift.abs(b))
    }

    @Test("features equal pandas (relative 1e-9), same rows survive dropna, edge cases included")
    func features() throws {
        let f = try Self.fixture.get()
        let ref = try CSVTable.read(path: f.dir + "/ref/features.csv")
        let engine = FeatureEngine()
        #expect(Array(ref.header.dropFirst(2)) == engine.names)
        var ours: [String: [Double]] = [:]
        for sym in f.history.symbols {
            let m = engine.compute(f.history.series[sym]!)
            for r in m.completeRows { ours["\(sym)|\(m.days[r])"] = m.row(r) }
        }
        #expect(ours.count == ref.rows.count)
        var compared = 0, worst = 0.0
        for row in ref.rows {
            guard let mine = ours["\(row[0])|\(row[1])"] else {
                Issue.record("pandas kept \(row[0]) \(row[1]) but Closebell dropped it"); continue
            }
            for (j, text) in row.dropFirst(2).enumerated() {
                let want = Double(text)!, got = mine[j]
                if !Self.close(got, want, rel: 1e-9, abs: 1e-9) {
                    Issue.record("\(row[0]) \(row[1]) \(engine.names[j]): Closebell \(got), pandas \(want)")
                }
                if want != 0 { worst = max(worst, abs(got - want) / abs(want)) }
                compared += 1
            }
        }
        #expect(compared > 80_000)
        // The edge symbols: flat never yields a row; rising gives RSI exactly 100; falling exactly 0.
        #expect(!ref.rows.contains { $0[0] == "EDGFLAT" })
        let up = try #require(ref.rows.last { $0[0] == "EDGUP" })
        #expect(Double(up[9]) == 100)
        #expect(ours["EDGUP|\(up[1])"]!.last == 100)
        let down = try #require(ref.rows.last { $0[0] == "EDGDN" })
        #expect(Double(down[9]) == 0)
        #expect(ref.rows.contains { $0[0] == "EDGLATE" })
        print("features: \(compared) values compared, worst relative error \(worst)")
    }

    @Test("last-day features from the K-row window equal those from the full history, every symbol")
    func windowEquivalence() throws {
        let f = try Self.fixture.get()
        let engine = FeatureEngine()
        #expect(engine.window == 21)
        for sym in f.history.symbols {
            let s = f.history.series[sym]!
            let full = engine.compute(s)
            for r in stride(from: s.count - 1, through: 0, by: -37) {
                let windowed = engine.lastRow(s.slice(0..<(r + 1)))!
                for (j, v) in windowed.enumerated() {
                    #expect(Self.close(v, full.value(row: r, column: j), rel: 1e-9, abs: 1e-9),
                            "\(sym) row \(r) \(engine.names[j]): window \(v) vs full \(full.value(row: r, column: j))")
                }
            }
        }
    }

    @Test("model predictions equal the libraries' own predict", arguments: [
        ("xgb", "xgb/model.json", 1e-6), ("xgb", "xgb_v2/model.json", 1e-6), ("xgb_b", "xgb_b/model.json", 1e-6),
        ("lgb", "lgb/model.txt", 1e-6), ("lgb_zero", "lgb_zero/model.txt", 1e-6), ("linear", "linear/model.json", 1e-9),
    ])
    func predictions(name: String, file: String, tolerance: Double) throws {
        let f = try Self.fixture.get()
        let engineNames = FeatureEngine().names
        let model = try ModelLoader.load(path: f.dir + "/ref/" + file, engineNames: engineNames)
        let eval = try CSVTable.read(path: f.dir + "/ref/eval.csv")
        let idCol = eval.header.firstIndex(of: "Id")!
        let cols = engineNames.map { eval.header.firstIndex(of: $0)! }
        var vectors: [String: [Double]] = [:]
        for r in eval.rows { vectors[r[idCol]] = cols.map { Double(r[$0])! } }
        let expected = try CSVTable.read(path: f.dir + "/ref/pred_\(name).csv")
        #expect(expected.rows.count > 10_000 || name == "linear")
        var worst = 0.0, withNaN = 0
        for r in expected.rows {
            let x = try #require(vectors[r[0]])
            if x.contains(where: \.isNaN) { withNaN += 1 }
            let got = x.withUnsafeBufferPointer { model.predict(row: $0) }
            let want = Double(r[1])!
            if !Self.close(got, want, rel: tolerance, abs: 1e-12) {
                Issue.record("\(file) row \(r[0]): Closebell \(got), library \(want)")
            }
            if want != 0 { worst = max(worst, abs(got - want) / abs(want)) }
        }
        if model.identity.kind != .linear { #expect(withNaN > 1000) }
        // The blocked batch path (many rows at once) must give the same numbers as row by row.
        let ids = expected.rows.map { $0[0] }
        let flat = ids.flatMap { vectors[$0]! }
        var batch = [Double](repeating: .nan, count: ids.count)
        flat.withUnsafeBufferPointer { x in
            batch.withUnsafeMutableBufferPointer { o in model.predictBatch(rows: x, width: engineNames.count, count: ids.count, into: o) }
        }
        for (i, id) in ids.enumerated() {
            let single = vectors[id]!.withUnsafeBufferPointer { model.predict(row: $0) }
            if batch[i] != single { Issue.record("\(file) row \(id): batch \(batch[i]) vs single \(single)"); break }
        }
        print("\(file): \(expected.rows.count) predictions, worst relative error \(worst)")
    }
}
