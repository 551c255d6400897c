import ClosebellCore
import Foundation
import Testing

@Suite("Daily CSV files: validation, rejects, anomalies")
struct DailyFileTests {
    let header = "Date,Symbol,Open,High,Low,Close,Volume"

    func parse(_ lines: [String], strict: Bool = false, name: String = "nepse_20240131.csv") throws -> DailyFile {
        try DailyFileParser(strict: strict).parse(bytes: Array((lines.joined(separator: "\n") + "\n").utf8), fileName: name)
    }

    @Test("each malformed row is rejected with file, line, raw text and the expected reason; good rows still load", arguments: [
        ("2024-01-31,ABC,10,11,9,1O.5,100", "unparsable Close '1O.5'"),
        ("2024-01-31,ABC,10,11,9,10.5", "expected 7 fields, got 6"),
        ("2024-01-31,ABC,10,11,9,10.5,100,7", "expected 7 fields, got 8"),
        ("2024-01-31,,10,11,9,10.5,100", "missing field Symbol"),
        ("2024-01-31,ABC,10,11,9,,100", "missing field Close"),
        ("2024-01-31,ABC,10,11,9,0,100", "non-positive Close 0.0"),
        ("2024-01-31,ABC,10,11,9,-3,100", "non-positive Close -3.0"),
        ("2024-01-30,ABC,10,11,9,10.5,100", "Date 2024-01-30 does not match the file's day 2024-01-31"),
        ("31/01/2024,ABC,10,11,9,10.5,100", "unparsable Date '31/01/2024': expected YYYY-MM-DD"),
        ("2024-01-31,ABC,10,11,9,nan,100", "unparsable Close 'nan'"),
        ("2024-01-31,ABC,10,11,9,inf,100", "unparsable Close 'inf'"),
        ("2024-01-31,ABC,10,11,9,0x10,100", "unparsable Close '0x10'"),
        ("2024-01-31,GOOD,10,11,9,10.5,100", "duplicate symbol GOOD (first at line 2)"),
    ])
    func rejects(line: String, reason: String) throws {
        let f = try parse([header, "2024-01-31,GOOD,10,11,9,10.5,100", line, "2024-01-31,AFTER,5,6,4,5.5,0"])
        #expect(f.bars.map(\.symbol) == ["GOOD", "AFTER"])
        #expect(f.rejects.count == 1)
        let r = try #require(f.rejects.first)
        #expect(r.file == "nepse_20240131.csv")
        #expect(r.line == 3)
        #expect(r.raw == line)
        #expect(r.reason == reason)
    }

    @Test("messy OHLC loads flagged, or is rejected in strict mode")
    func anomalies() throws {
        let lines = [header,
                     "2024-01-31,OPENHI,12,11,9,10.5,100",   // open above high
                     "2024-01-31,LOWHI,10,9,11,10,100",      // low above high (open and close outside too)
                     "2024-01-31,CLOSEOUT,10,11,9,12,100",   // close above high
                     "2024-01-31,FINE,10,11,9,10.5,100"]
        let f = try parse(lines)
        #expect(f.bars.count == 4)
        #expect(f.rejects.isEmpty)
        #expect(Set(f.anomalies.filter { $0.symbol == "OPENHI" }.map(\.kind)) == [.openOutsideRange])
        #expect(Set(f.anomalies.filter { $0.symbol == "LOWHI" }.map(\.kind)).contains(.lowAboveHigh))
        #expect(Set(f.anomalies.filter { $0.symbol == "CLOSEOUT" }.map(\.kind)) == [.closeOutsideRange])
        #expect(f.anomalies.allSatisfy { $0.line >= 2 && $0.file == "nepse_20240131.csv" })
        let strict = try parse(lines, strict: true)
        #expect(strict.bars.map(\.symbol) == ["FINE"])
        #expect(strict.rejects.count == 3)
        #expect(strict.rejects.allSatisfy { $0.reason.hasPrefix("strict mode:") })
    }

    @Test("a usable Close loads the row: bad Open, High, Low or Volume are flagged with field and problem (SPEC §1)")
    func usableCloseLoads() throws {
        let lines = [header,
                     "2024-01-31,GMFIL,181.0,0.0,0.0,181.0,1715",  // a real NEPSE row
                     "2024-01-31,EMPTY,,,,12.5,",
                     "2024-01-31,JUNK,n/a,11,-2,10.5,-7",
                     "2024-01-31,FINE,10,11,9,10.5,0"]
        let f = try parse(lines)
        #expect(f.rejects.isEmpty)
        #expect(f.bars.map(\.symbol) == ["GMFIL", "EMPTY", "JUNK", "FINE"])
        #expect(f.bars.map(\.close) == [181, 12.5, 10.5, 10.5])
        func kinds(_ s: String) -> Set<Anomaly.Kind> { Set(f.anomalies.filter { $0.symbol == s }.map(\.kind)) }
        #expect(kinds("GMFIL") == [.highNotPositive, .lowNotPositive])
        #expect(kinds("EMPTY") == [.openMissing, .highMissing, .lowMissing, .volumeMissing])
        #expect(kinds("JUNK") == [.openUnparsable, .lowNotPositive, .volumeNegative])
        #expect(kinds("FINE").isEmpty)  // zero volume is a quiet day, not a problem
        #expect(f.bars[1].open.isNaN && f.bars[1].volume.isNaN)
        #expect(f.bars[0].high == 0 && f.bars[2].volume == -7)
        let strict = try parse(lines, strict: true)
        #expect(strict.bars.map(\.symbol) == ["FINE"])
        #expect(strict.rejects.map(\.line) == [2, 3, 4])
        #expect(strict.rejects[0].reason == "strict mode: high_not_positive, low_not_positive")
    }

    @Test("CRLF, BOM, blank lines, spaces, quotes and any column order are accepted")
    func tolerantLayout() throws {
        let text = "\u{FEFF}Symbol,Date,Close,Open,High,Low,Volume\r\n\r\n \"ABC\" , 2024-01-31 ,10.25,10,11,9,100\r\n"
        let f = try DailyFileParser().parse(bytes: Array(text.utf8), fileName: "nse_20240131.csv")
        #expect(f.name.market == "nse")
        #expect(f.bars == [Bar(symbol: "ABC", day: Day(year: 2024, month: 1, day: 31)!, open: 10, high: 11, low: 9, close: 10.25, volume: 100)])
        #expect(f.lines == [3])
    }

    @Test("a NUL byte or invalid UTF-8 rejects only its row, raw text escaped; nothing is rewritten")
    func badBytes() throws {
        var bytes = Array((header + "\n2024-01-31,GOOD,10,11,9,10.5,100\n").utf8)
        bytes += Array("2024-01-31,NU".utf8) + [0] + Array("L,10,11,9,10.5,100\n".utf8)
        bytes += Array("2024-01-31,AB".utf8) + [0xFF] + Array(",10,11,9,10.5,100\n".utf8)
        bytes += Array("2024-01-31,AB,10,11,9,10.5,100\n2024-01-31,ZZ Q,10,11,9,10.5,100\n".utf8)
        let f = try DailyFileParser().parse(bytes: bytes, fileName: "nepse_20240131.csv")
        #expect(f.bars.map(\.symbol) == ["GOOD", "AB", "ZZ Q"])
        #expect(f.rejects.map(\.line) == [3, 4])
        #expect(f.rejects[0].reason.contains("NUL byte"))
        #expect(f.rejects[0].raw == "2024-01-31,NU\\x00L,10,11,9,10.5,100")
        #expect(f.rejects[1].reason.contains("not valid UTF-8"))
        #expect(f.rejects[1].raw == "2024-01-31,AB\\xFF,10,11,9,10.5,100")
        #expect(f.rejects.allSatisfy { !$0.raw.contains("\0") && !$0.reason.contains("\0") })
    }

    @Test("CR-only line endings parse; a huge line or header is capped in rejects and errors")
    func capsAndOldMacFiles() throws {
        let cr = (header + "\r2024-01-31,A,10,11,9,10.5,100\r2024-01-31,B,10,11,9,10.5,100\r").utf8
        #expect(try DailyFileParser().parse(bytes: Array(cr), fileName: "nepse_20240131.csv").bars.count == 2)
        let long = "2024-01-31,BIG,10,11,9," + String(repeating: "9", count: 5_000_000) + ",100"
        let f = try parse([header, long, "2024-01-31,OK,10,11,9,10.5,100"])
        #expect(f.bars.map(\.symbol) == ["OK"])
        let r = try #require(f.rejects.first)
        #expect(r.raw.utf8.count < 1100)
        #expect(r.raw.contains("bytes in all"))
        #expect(r.reason.utf8.count < 200)
        let e = #expect(throws: DataFileError.self) {
            try DailyFileParser().parse(bytes: Array((String(repeating: "x,", count: 3_000_000)).utf8), fileName: "nepse_20240131.csv")
        }
        #expect((e?.description.utf8.count ?? 0) < 400)
    }

    @Test("file-level problems name the file and say what is wrong")
    func fileErrors() throws {
        let bad = #expect(throws: DataFileError.self) { try parse(["Date,Symbol,Open,High,Low,Close", "x"]) }
        #expect(bad?.description.contains("nepse_20240131.csv:1: bad header") == true)
        let name = #expect(throws: DataFileError.self) { try parse([header], name: "prices.csv") }
        #expect(name?.description.contains("prices.csv") == true)
        let empty = #expect(throws: DataFileError.self) {
            try DailyFileParser().parse(bytes: [], fileName: "nepse_20240131.csv")
        }
        #expect(empty?.reason.contains("empty") == true)
    }

    @Test("decimal parsing is correctly rounded (fast path and strtod agree)")
    func decimals() throws {
        var rng = SplitMix64(seed: 3)
        for _ in 0..<20_000 {
            let cents = Int(rng.next() % 100_000_000)
            let text = "\(cents / 100).\(cents % 100 < 10 ? "0" : "")\(cents % 100)"
            let f = try parse([header, "2024-01-31,X,\(text),\(text),\(text),\(text),1"])
            #expect(f.bars.first?.close == Double(text), "\(text)")
        }
        let long = try parse([header, "2024-01-31,X,1.2345678901234567890,2e3,1E0,1.5,0"])
        #expect(long.bars.first?.open == 1.2345678901234567890)
        #expect(long.bars.first?.high == 2000)
    }
}

@Suite("Calendar and hashing")
struct SupportTests {
    @Test("days round-trip and weekdays are right")
    func days() {
        let d = Day(iso: "2024-02-29")!
        #expect(d.description == "2024-02-29")
        #expect(d.compact == "20240229")
        #expect(Day(iso: "2023-02-29") == nil)
        #expect(Day(iso: "1970-01-01")!.daysSinceEpoch == 0)
        #expect(Day(iso: "2025-06-26")!.weekday == 4)  // Thursday
        #expect(TradingCalendar.sundayToThursday.nextTradingDay(after: Day(iso: "2025-06-26")!) == Day(iso: "2025-06-29")!)  // Thu -> Sun
        for n in stride(from: -719_000, to: 2_900_000, by: 997) {  // years 0001…9910
            let x = Day(daysSinceEpoch: Int32(n))
            #expect(Day(iso: x.description) == x)
        }
    }

    @Test("Backoff.retry retries what is retryable, stops on anything else, gives up after its limit")
    func retry() throws {
        struct Transient: Error {}
        struct Fatal: Error {}
        let fast = Backoff(initial: 0.001, maximum: 0.002)
        var calls = 0, retried: [Int] = []
        let v = try fast.retry(giveUpAfterSeconds: nil, isRetryable: { $0 is Transient }, onRetry: { _, a, _ in retried.append(a) }) { attempt -> Int in
            calls += 1
            if attempt < 3 { throw Transient() }
            return 42
        }
        #expect(v == 42)
        #expect(calls == 4)
        #expect(retried == [0, 1, 2])
        calls = 0
        #expect(throws: Fatal.self) { try fast.retry(giveUpAfterSeconds: nil, isRetryable: { $0 is Transient }) { _ -> Int in calls += 1; throw Fatal() } }
        #expect(calls == 1)
        #expect(throws: Transient.self) { try fast.retry(giveUpAfterSeconds: 0.02, isRetryable: { $0 is Transient }) { _ -> Int in throw Transient() } }
        #expect(throws: Transient.self) { try fast.retry(giveUpAfterSeconds: nil, shouldStop: { true }, isRetryable: { _ in true }) { _ -> Int in throw Transient() } }
    }

    @Test("SHA-256 matches the standard test vectors")
    func sha() {
        #expect(ContentHash.sha256Hex(Array("abc".utf8)) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        #expect(ContentHash.sha256Hex([]) == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        #expect(ContentHash.sha256Hex(Array("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq".utf8))
                == "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
    }
}
