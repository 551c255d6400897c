import ArgumentParser
import ClosebellCore
import Foundation

/// CSV parsing, features and inference rows/s on one core, beside pandas, xgboost and lightgbm
/// doing the same work on the same data in the same run.
struct CoreBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "core",
        abstract: "Rows/s for CSV parsing, features and inference (linear, XGBoost, LightGBM) beside the Python libraries.")

    @Option(help: "Symbols in the generated data.") var symbols = 300
    @Option(help: "Trading days in the generated data.") var days = 2500
    @Option(help: "Python with pandas/xgboost/lightgbm (default: .venv/bin/python from ops/python-env).") var python: String?
    @Option(help: "Repetitions of each Swift measurement (best is reported).") var repeats = 3

    static let repo = URL(fileURLWithPath: #filePath)  // Sources/Apps/closebell-bench/CoreBench.swift
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    func best(_ body: () throws -> Void) rethrows -> Double {
        var b = Double.infinity
        for _ in 0..<repeats {
            let t = Date()
            try body()
            b = min(b, Date().timeIntervalSince(t))
        }
        return b
    }

    func run() throws {
        let dir = NSTemporaryDirectory() + "closebell-bench-core-\(UUID().uuidString.prefix(6))"
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let paths = try SampleDataGenerator(symbols: symbols, days: days, seed: 1, market: "nepse", calendar: .sundayToThursday,
                                            malformedPerFile: 0).write(to: dir + "/data")
        let blobs = try paths.map { try [UInt8](Data(contentsOf: URL(fileURLWithPath: $0))) }
        let names = paths.map { ($0 as NSString).lastPathComponent }

        // CSV parsing (files already in memory: the parser, not the disk, is measured).
        var rows = 0
        let parser = DailyFileParser()
        let parseS = try best {
            rows = 0
            for (b, n) in zip(blobs, names) { rows += try parser.parse(bytes: b, fileName: n).bars.count }
        }
        let history = try MarketHistory.load([dir + "/data"])
        let engine = FeatureEngine()
        var featureRows = 0
        var matrix: [Double] = []
        let featS = best {
            featureRows = 0
            for s in history.series.values { featureRows += engine.compute(s).rowCount }
        }
        for sym in history.symbols {
            let m = engine.compute(history.series[sym]!)
            for r in m.completeRows { matrix += m.row(r) }
        }

        // The Python side: same files, same work.
        let py = python ?? CoreBench.repo.appendingPathComponent(".venv/bin/python").path
        let log = dir + "/python.out"
        let status = try ChildProcess.run(py, [CoreBench.repo.appendingPathComponent("ops/bench/core_reference.py").path, dir + "/data", dir + "/py"], outputPath: log)
        let out = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
        guard status == 0, let line = out.split(separator: "\n").last(where: { $0.hasPrefix("{") }),
              let ref = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any] else {
            throw ValidationError("python reference failed (\(status)); run ops/python-env first. Output:\n\(out)")
        }
        let n = matrix.count / engine.names.count
        func infer(_ path: String) throws -> Double {
            let m = try ModelLoader.load(path: path, engineNames: engine.names)
            var sink = 0.0
            var out = [Double](repeating: 0, count: n)
            let s = best {
                matrix.withUnsafeBufferPointer { buf in
                    out.withUnsafeMutableBufferPointer { o in m.predictBatch(rows: buf, width: 8, count: n, into: o) }
                }
            }
            sink = out.reduce(0, +)
            if sink.isNaN { print("(nan)") }
            return s
        }
        let trainer = RidgeTrainer()
        var xs: [[Double]] = [], ys: [Double] = []
        for sym in history.symbols.prefix(50) { let r = trainer.rows(history.series[sym]!); xs += r.x; ys += r.y }
        let lin = trainer.fit(x: xs, y: ys)!
        try FileManager.default.createDirectory(atPath: dir + "/lin", withIntermediateDirectories: true)
        try lin.json().write(to: URL(fileURLWithPath: dir + "/lin/model.json"))
        let linS = try infer(dir + "/lin/model.json")
        let xgbS = try infer(dir + "/py/xgb/model.json")
        let lgbS = try infer(dir + "/py/lgb/model.txt")

        func rate(_ count: Int, _ s: Double) -> String { String(format: "%12.0f", Double(count) / s) }
        func ratio(_ a: Double, _ b: Double) -> String { String(format: "%6.1fx", b / a) }
        let pyParse = ref["parse_s"] as! Double, pyFeat = ref["features_s"] as! Double
        let pyXgb = ref["xgboost_predict_s"] as! Double, pyLgb = ref["lightgbm_predict_s"] as! Double
        let pyRows = ref["rows"] as! Int, pyFeatRows = ref["feature_rows"] as! Int
        print("closebell-bench core: \(symbols) symbols × \(days) days = \(rows) rows, \(n) feature rows; one core; \(ref["versions"] ?? "")")
        print("stage                         Closebell rows/s     Python rows/s   speed-up")
        print("CSV parsing                 \(rate(rows, parseS))      \(rate(pyRows, pyParse))   \(ratio(parseS / Double(rows), pyParse / Double(pyRows)))  (pandas read_csv)")
        print("features (8, per symbol)    \(rate(featureRows, featS))      \(rate(pyRows, pyFeat))   \(ratio(featS / Double(featureRows), pyFeat / Double(pyRows)))  (pandas groupby)")
        print("inference linear            \(rate(n, linS))")
        print("inference XGBoost 100×d6    \(rate(n, xgbS))      \(rate(pyFeatRows, pyXgb))   \(ratio(xgbS / Double(n), pyXgb / Double(pyFeatRows)))  (xgboost predict, nthread=1)")
        print("inference LightGBM 100      \(rate(n, lgbS))      \(rate(pyFeatRows, pyLgb))   \(ratio(lgbS / Double(n), pyLgb / Double(pyFeatRows)))  (lightgbm predict, num_threads=1)")
    }
}
