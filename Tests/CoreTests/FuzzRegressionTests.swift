import ClosebellCore
import Foundation
import Testing

/// Every input the fuzzers (ops/fuzz) found crashing or hanging a loader, kept as a test: each
/// must now be refused with a reason (or, for a file name, simply handled).
@Suite("Fuzz findings stay fixed")
struct FuzzRegressionTests {
    static let regressions = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Fuzz/regressions").path

    func bytes(_ name: String) throws -> Data {
        try Data(contentsOf: URL(fileURLWithPath: "\(Self.regressions)/\(name)"))
    }

    @Test("XGBoost: a leaf's out-of-range split index, or a node with two parents, is refused", arguments: [
        ("fuzz-xgboost-leaf-split-index.json", "not a 32-bit integer"),
        ("fuzz-xgboost-shared-child-depth.json", "shares a child"),
    ])
    func xgboost(file: String, reason: String) throws {
        let e = #expect(throws: ModelLoadError.self) { try XGBoostModel(data: try bytes(file), path: file) }
        #expect(e?.reason.contains(reason) == true, "\(e.map { "\($0)" } ?? "")")
    }

    @Test("LightGBM: a child that points back up the tree (a cycle) is refused, not looped on")
    func lightgbmCycle() throws {
        let text = String(decoding: try bytes("fuzz-lightgbm-child-cycle.txt"), as: UTF8.self)
        let e = #expect(throws: ModelLoadError.self) { try LightGBMModel(text: text, path: "cycle.txt") }
        #expect(e?.reason.contains("out of order") == true, "\(e.map { "\($0)" } ?? "")")
    }

    @Test("LightGBM: a model file with CRLF line endings loads like the LF one")
    func lightgbmCRLF() throws {
        let lf = String(decoding: try bytes("fuzz-lightgbm-child-cycle.txt"), as: UTF8.self)
            .replacingOccurrences(of: "left_child=0", with: "left_child=-1")
        let m = try LightGBMModel(text: lf, path: "lf.txt")
        let crlf = try LightGBMModel(text: lf.replacingOccurrences(of: "\n", with: "\r\n"), path: "crlf.txt")
        for x in [-1.0, 0, 1] {
            let a = [x].withUnsafeBufferPointer { m.predict($0) }, b = [x].withUnsafeBufferPointer { crlf.predict($0) }
            #expect(a == b)
        }
    }

    @Test("file names that crashed Foundation's lastPathComponent are handled")
    func oddFileNames() throws {
        let name = String(decoding: try bytes("fuzz-daily-csv-name-slashes.csv"), as: UTF8.self)
        #expect(DailyFileName(name) == nil)
        #expect(DailyFileName("///x//") == nil)
        #expect(DailyFileName("/data//nepse_20240131.csv")?.market == "nepse")
    }
}
