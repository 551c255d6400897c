import ClosebellCore

/// Helpers shared by the fuzz targets. A broken invariant stops the process with a message,
/// which libFuzzer reports as a crash and saves the input for.
public enum Fuzz {
    /// The fuzzer's input, copied into an array (the entry points under test take `[UInt8]`).
    public static func bytes(_ data: UnsafePointer<UInt8>, _ size: Int) -> [UInt8] {
        Array(UnsafeBufferPointer(start: data, count: size))
    }

    /// Fails loudly (a crash for libFuzzer) when an invariant does not hold.
    public static func check(_ ok: @autoclosure () -> Bool, _ what: @autoclosure () -> String,
                             file: StaticString = #fileID, line: UInt = #line) {
        if !ok() {
            fatalError("FUZZ INVARIANT BROKEN: \(what())", file: file, line: line)
        }
    }

    /// Feature values a fuzzed model is scored on: ordinary, boundary, missing (NaN) and extreme.
    static let values: [Double] = [0, .nan, -1, 1, 0.5, -0.5, 2.5, -2.5, 100, -0.0, 1e-40, 1e30, -1e30, .infinity, -.infinity]

    /// Scores a model that loaded: a batch of rows, then each row alone. A model the loader
    /// accepted must score without trapping, and scoring a row alone must give the batch's value.
    public static func score(_ model: any PredictionModel) {
        let w = model.featureNames.count
        check(w > 0, "a loaded model has no features")
        let rows = 21  // one block of 16 lanes plus a tail, for the blocked scorers
        var x = [Double](repeating: 0, count: w * rows)
        for r in 0..<rows { for i in 0..<w { x[r * w + i] = values[(r * 7 + i * 3) % values.count] } }
        var batch = [Double](repeating: 0, count: rows)
        x.withUnsafeBufferPointer { xb in
            batch.withUnsafeMutableBufferPointer { ob in model.predictBatch(xb, rows: rows, into: ob) }
            for r in 0..<rows {
                let one = model.predict(UnsafeBufferPointer(rebasing: xb[(r * w)..<((r + 1) * w)]))
                let same = one.bitPattern == batch[r].bitPattern || (one.isNaN && batch[r].isNaN) || one == batch[r]
                check(same, "row \(r): predict gives \(one) but predictBatch gives \(batch[r])")
            }
        }
    }
}
