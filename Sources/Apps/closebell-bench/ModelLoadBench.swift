import ArgumentParser
import ClosebellCore
import Foundation

/// A worker's cold start: every model file of a folder loaded once (read, parsed, checked,
/// hashed), beside xgboost's own `Booster.load_model` on the same files in the same run.
struct ModelLoadBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "models",
        abstract: "Milliseconds per model file loaded cold, beside xgboost's load_model on the same files.")

    @Argument(help: "A model store: <dir>/<SYMBOL>/model.json per symbol.") var dir: String
    @Option(help: "Python with xgboost (default: .venv/bin/python from ops/python-env).") var python: String?
    @Option(help: "Rounds over the folder (the best is reported).") var repeats = 3

    func run() throws {
        let names = FeatureEngine().names
        let paths = try FileManager.default.contentsOfDirectory(atPath: dir).sorted().compactMap { sub -> String? in
            let p = "\(dir)/\(sub)/model.json"
            return FileManager.default.fileExists(atPath: p) ? p : nil
        }
        guard !paths.isEmpty else { throw ValidationError("no <SYMBOL>/model.json under \(dir)") }
        let bytes = paths.reduce(0) { $0 + ((try? FileManager.default.attributesOfItem(atPath: $1)[.size] as? Int) ?? 0) }
        func best(_ body: () throws -> Void) rethrows -> Double {
            var b = Double.infinity
            for _ in 0..<repeats { let t = Date(); try body(); b = min(b, Date().timeIntervalSince(t)) }
            return b * 1000 / Double(paths.count)
        }
        let blobs = try paths.map { try Data(contentsOf: URL(fileURLWithPath: $0)) }
        let read = best { for p in paths { _ = FileManager.default.contents(atPath: p) } }
        let parse = try best { for (b, p) in zip(blobs, paths) { _ = try XGBoostModel(data: b, path: p) } }
        let hash = best { for b in blobs { _ = ContentHash.sha256Hex([UInt8](b)) } }
        let total = try best { for p in paths { _ = try ModelLoader.load(path: p, engineNames: names) } }

        let py = python ?? CoreBench.repo.appendingPathComponent(".venv/bin/python").path
        let script = """
            import sys, time, xgboost as xgb
            paths = sys.argv[1:]
            def once():
                t = time.perf_counter()
                for p in paths:
                    xgb.Booster().load_model(p)
                return time.perf_counter() - t
            best = min(once() for _ in range(\(repeats)))
            print(best * 1000 / len(paths), xgb.__version__)
            """
        let log = NSTemporaryDirectory() + "closebell-bench-models-\(UUID().uuidString.prefix(6)).out"
        defer { try? FileManager.default.removeItem(atPath: log) }
        let status = try ChildProcess.run(py, ["-c", script] + paths, outputPath: log)
        let out = ((try? String(contentsOfFile: log, encoding: .utf8)) ?? "").split(separator: "\n").last ?? ""
        guard status == 0, let pyMs = out.split(separator: " ").first.flatMap({ Double($0) }) else {
            throw ValidationError("xgboost reference failed (\(status)): \(out)")
        }
        print(String(format: "%d XGBoost model files, %.0f KiB each on average; milliseconds per model, best of %d rounds",
                     paths.count, Double(bytes) / Double(paths.count) / 1024, repeats))
        print(String(format: "  Closebell cold load   %7.2f ms  (read %.2f, parse and check %.2f, SHA-256 %.2f)",
                     total, read, parse, hash))
        print(String(format: "  xgboost %@ load_model %7.2f ms", String(out.split(separator: " ").last ?? "?"), pyMs))
    }
}
