import ClosebellCore
import Foundation
import Testing

@Suite("Daily CSV files: a symbol's second row is refused, in sorted and unsorted files")
struct DuplicateSymbolTests {
    func parse(_ symbols: [String], strict: Bool = false) throws -> DailyFile {
        let rows = symbols.map { "2024-01-31,\($0),10,11,9,10.5,100" }
        let text = (["Date,Symbol,Open,High,Low,Close,Volume"] + rows).joined(separator: "\n") + "\n"
        return try DailyFileParser(strict: strict).parse(bytes: Array(text.utf8), fileName: "nepse_20240131.csv")
    }

    /// What the parser must do: the first row of each symbol loads, every later one is refused
    /// naming the first's line (line 1 is the header).
    func expected(_ symbols: [String]) -> (loaded: [String], rejects: [String]) {
        var first: [String: Int] = [:], loaded: [String] = [], rejects: [String] = []
        for (i, s) in symbols.enumerated() {
            if let line = first[s] { rejects.append("duplicate symbol \(s) (first at line \(line))"); continue }
            first[s] = i + 2
            loaded.append(s)
        }
        return (loaded, rejects)
    }

    @Test("every repeat is found, wherever it sits and whatever the order before it", arguments: [
        ["AAA", "BBB", "BBB", "CCC"],            // sorted, next to its first
        ["AAA", "BBB", "CCC", "AAA"],            // sorted, then back to the start
        ["AAA", "AA", "AAA"],                    // a prefix out of order
        ["BBB", "AAA", "CCC", "BBB", "AAA"],     // unsorted from the second row
        ["A", "B", "C", "D", "C", "E", "B"],
        ["caf\u{E9}", "cafe\u{301}"],            // one symbol, two spellings in bytes: refused as before
        ["ABC", "caf\u{E9}", "ABC"],
    ])
    func repeats(symbols: [String]) throws {
        let f = try parse(symbols)
        let want = expected(symbols)
        #expect(f.bars.map(\.symbol) == want.loaded)
        #expect(f.rejects.map(\.reason) == want.rejects)
    }

    @Test("random files, sorted or shuffled, with repeats: the first row of each symbol loads")
    func random() throws {
        var rng = SystemRandomNumberGenerator()
        for round in 0..<200 {
            let pool = (0..<Int.random(in: 1...40, using: &rng)).map { String(format: "S%03d", $0) }
            var symbols = (0..<Int.random(in: 1...80, using: &rng)).map { _ in pool.randomElement(using: &rng)! }
            if round % 2 == 0 { symbols.sort() }
            let f = try parse(symbols)
            let want = expected(symbols)
            #expect(f.bars.map(\.symbol) == want.loaded, "\(symbols)")
            #expect(f.rejects.map(\.reason) == want.rejects, "\(symbols)")
        }
    }

    @Test("a row refused in strict mode does not count: the symbol's next row loads")
    func strictRefusalDoesNotCount() throws {
        let text = """
            Date,Symbol,Open,High,Low,Close,Volume
            2024-01-31,AAA,12,11,9,10.5,100
            2024-01-31,AAA,10,11,9,10.5,100
            2024-01-31,BBB,10,11,9,10.5,100

            """
        let f = try DailyFileParser(strict: true).parse(bytes: Array(text.utf8), fileName: "nepse_20240131.csv")
        #expect(f.bars.map(\.symbol) == ["AAA", "BBB"])
        #expect(f.lines == [3, 4])
        #expect(f.rejects.map(\.line) == [2])
    }
}
