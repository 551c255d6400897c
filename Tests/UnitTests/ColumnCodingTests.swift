import ClosebellCore
import ClosebellProtocol
import Foundation
import TestSupport
import Testing

/// A chunk's days and prices travel as compact columns (protocol version 4): every value must
/// come back bit for bit, whatever it is, and a malformed column must be refused with a reason.
@Suite("Chunk columns: compact and exact")
struct ColumnCodingTests {
    func roundTrip(_ a: [Double]) throws -> [Double] {
        var w = BinaryWriter()
        w.column(a)
        var r = BinaryReader(w.bytes)
        let back = try r.column("test")
        #expect(r.atEnd)
        return back
    }

    func bits(_ a: [Double]) -> [UInt64] { a.map(\.bitPattern) }

    @Test("prices, volumes and any other doubles come back bit for bit")
    func exact() throws {
        var g = SystemRandomNumberGenerator()
        let cases: [[Double]] = [
            [1972.33, 1999.08, 1967.78, 1995.78], [11413, 7610, 0, 1_000_000_000], [0.1, 0.2, 0.3],
            [181.0, 0.0, 0.0, 181.0], [-5.25, 3.5, -0.125], [1e-300, 5e-324, 1e300], [.nan, 1, 2], [-0.0, 1], [0, -0.0],
            [.infinity, 1], [9_007_199_254_740_993, 1], [123456789.12345678], [Double.pi, M_E],
            (0..<500).map { _ in Double(Int.random(in: 1...10_000_000, using: &g)) / 100 },
            (0..<500).map { _ in Double.random(in: -1e6...1e6, using: &g) },
            (0..<500).map { _ in Double(bitPattern: UInt64.random(in: 0...UInt64.max, using: &g)) },
        ]
        for a in cases { #expect(bits(try roundTrip(a)) == bits(a), "\(a.prefix(4))") }
    }

    @Test("prices with few decimals take a few bytes a value, not eight")
    func compact() throws {
        var chunk = Fixtures.chunk(symbols: 100, rows: 21)
        func cents(_ a: [Double]) -> [Double] { a.map { ($0 * 100).rounded() / 100 } }
        chunk.series = chunk.series.map {
            SymbolSeries(symbol: $0.symbol, days: $0.days, open: cents($0.open), high: cents($0.high),
                         low: cents($0.low), close: cents($0.close), volume: $0.volume)
        }
        let raw = chunk.series.reduce(0) { $0 + $1.count * 44 }
        let size = chunk.encode().count
        #expect(size * 2 < raw, "\(size) bytes for \(raw) bytes of raw values")
        #expect(try ChunkMessage.decode(chunk.encode()) == chunk)
    }

    @Test("malformed columns and days are refused with a reason")
    func refused() throws {
        func expectRefused(_ bytes: [UInt8], _ reason: String, days: Bool = false) {
            var r = BinaryReader(bytes)
            let e = #expect(throws: MessageDecodingError.self) {
                if days { _ = try r.dayRun("days") } else { _ = try r.column("prices") }
            }
            #expect(e?.description.contains(reason) == true, "\(e.map { "\($0)" } ?? "")")
        }
        expectRefused([42, 1, 0, 0, 0, 0], "unknown encoding 42")
        expectRefused([3, 200, 0, 0, 0, 1], "exceeds")  // 200 values, 1 byte left
        expectRefused([3, 1, 0, 0, 0] + [UInt8](repeating: 0xff, count: 11), "varint too long")
        expectRefused([1, 2, 0, 0, 0, 0xfe, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f, 0x00], "out of range")
        expectRefused([3, 2, 0, 0, 0, 2], "truncated")
        expectRefused([2, 0, 0, 0, 0x10, 0x27, 0, 0, 0], "not after the previous one", days: true)
        expectRefused([2, 0, 0, 0, 0x10, 0x27, 0, 0, 0xff, 0xff, 0xff, 0xff, 0x0f], "not after", days: true)
    }

    @Test("the fuzzers' seeds are in this build's format")
    func seeds() throws {
        let corpus = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Fuzz/corpus")
        func seed(_ name: String) throws -> [UInt8] {
            [UInt8](try Data(contentsOf: corpus.appendingPathComponent(name)))
        }
        let chunk = try ChunkMessage.decode(try seed("fuzz-chunk/valid.bin"))
        #expect(chunk.series.map(\.symbol) == ["ABC", "XYZ"] && chunk.series[0].close == [10.5, 11.5, 12.5])
        let result = try ResultMessage.decode(try seed("fuzz-result/valid.bin"))
        #expect(result.predictions.count == 3)
    }
}
