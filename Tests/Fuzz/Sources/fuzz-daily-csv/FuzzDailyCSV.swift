import ClosebellCore
import FuzzDriver
import FuzzSupport

/// Daily CSV files: `DailyFileParser().parse(bytes:fileName:)`, lenient and strict. The input is
/// the file's content; the file name (hence the day every Date must match) is fixed.
///
/// Beyond not crashing: what loads obeys the documented rules (dated the file's day, positive
/// finite Close, other fields usable or flagged, one row per symbol), and every text bound for PostgreSQL (symbols, rejected
/// rows' raw text and reasons, error messages) holds no NUL byte.
let fileName = "nepse_20240131.csv"

func noNUL(_ s: String) -> Bool { !s.utf8.contains(0) }

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Fuzz.bytes(data, size)
    for strict in [false, true] {
        let f: DailyFile
        do { f = try DailyFileParser(strict: strict).parse(bytes: bytes, fileName: fileName) } catch {
            Fuzz.check(noNUL(String(describing: error)), "NUL in the error: \(String(reflecting: String(describing: error)))")
            continue
        }
        Fuzz.check(f.bars.count == f.lines.count, "\(f.bars.count) bars but \(f.lines.count) line numbers")
        Fuzz.check(zip(f.lines, f.lines.dropFirst()).allSatisfy { $0 < $1 }, "bar line numbers not increasing")
        var symbols = Set<String>()
        for b in f.bars {
            Fuzz.check(b.day == f.name.day, "bar \(b.symbol) dated \(b.day), file day \(f.name.day)")
            Fuzz.check(b.close > 0 && b.close.isFinite, "bad Close loaded: \(b)")
            // Open, High, Low and Volume: usable, or flagged (NaN when absent); strict loads only clean rows.
            let clean = [b.open, b.high, b.low].allSatisfy { $0 > 0 && $0.isFinite } && b.volume >= 0 && b.volume.isFinite
            let flagged = f.anomalies.contains { $0.symbol == b.symbol }
            Fuzz.check(clean || flagged, "a bad Open/High/Low/Volume loaded unflagged: \(b)")
            if strict { Fuzz.check(clean, "strict mode loaded a bad Open/High/Low/Volume: \(b)") }
            Fuzz.check(symbols.insert(b.symbol).inserted, "symbol \(b.symbol) loaded twice")
            Fuzz.check(noNUL(b.symbol), "NUL in a loaded symbol: \(String(reflecting: b.symbol))")
        }
        for r in f.rejects {
            Fuzz.check(noNUL(r.raw) && noNUL(r.reason), "NUL in a reject: \(String(reflecting: r.raw)) \(String(reflecting: r.reason))")
        }
        for a in f.anomalies { Fuzz.check(noNUL(a.symbol), "NUL in an anomaly's symbol") }
        if strict { Fuzz.check(f.anomalies.isEmpty, "strict mode flagged anomalies instead of rejecting") }
    }
    // The file-name parser, on the input's first line.
    let first = bytes.prefix(80).prefix { $0 != 0x0A }
    _ = DailyFileName(String(decoding: first, as: UTF8.self))
    return 0
}

/// The executable's entry point (SwiftPM links `main` to `fuzz_daily_csv_main`): libFuzzer's driver.
@_cdecl("fuzz_daily_csv_main")
public func entry(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>) -> CInt {
    closebell_fuzz_main(argc, argv)
}
