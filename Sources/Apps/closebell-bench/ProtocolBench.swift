import ArgumentParser
import ClosebellCore
import ClosebellProtocol
import Foundation

/// The chunk encoding: the binary contract against JSON (Codable) on the same chunk.
struct ProtocolBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "protocol",
        abstract: "Encode/decode time and size of a chunk (default 50 symbols × 60 rows): binary vs JSON.")
    @Option(help: "Symbols in the chunk.") var symbols = 50
    @Option(help: "Rows per symbol window.") var rows = 60
    @Option(help: "Iterations.") var iterations = 2000

    func run() throws {
        var rng = SplitMix64(seed: 1)
        let series = (0..<symbols).map { i -> SymbolSeries in
            var s = SymbolSeries(symbol: SampleDataGenerator.symbolName(i))
            for d in 0..<rows {
                let p = ((100 + rng.uniform() * 900) * 100).rounded() / 100
                s.append(Bar(symbol: s.symbol, day: Day(daysSinceEpoch: Int32(20_000 + d)), open: p, high: p + 1, low: p - 1, close: p, volume: 12_345))
            }
            return s
        }
        let chunk = ChunkMessage(runId: 1, chunkNo: 0, attempt: 1, asOf: series[0].days.last!, modelStore: "/models",
                                 tradingWeekdays: [0, 1, 2, 3, 4], series: series)
        func time(_ body: () throws -> Void) rethrows -> Double {
            let t = Date()
            for _ in 0..<iterations { try body() }
            return Date().timeIntervalSince(t) / Double(iterations) * 1e6
        }
        var bin: [UInt8] = []
        let binEnc = time { bin = chunk.encode() }
        let binDec = try time { _ = try ChunkMessage.decode(bin) }
        let encoder = JSONEncoder(), decoder = JSONDecoder()
        var json = Data()
        let jsonEnc = try time { json = try encoder.encode(chunk) }
        let jsonDec = try time { _ = try decoder.decode(ChunkMessage.self, from: json) }
        let viaJSON = try decoder.decode(ChunkMessage.self, from: json), viaBinary = try ChunkMessage.decode(bin)
        precondition(viaJSON == chunk && viaBinary == chunk, "round trip changed the chunk")
        print("chunk of \(symbols) symbols × \(rows) rows")
        print(String(format: "binary: %7d bytes, encode %8.1f µs, decode %8.1f µs", bin.count, binEnc, binDec))
        print(String(format: "JSON:   %7d bytes, encode %8.1f µs, decode %8.1f µs", json.count, jsonEnc, jsonDec))
        print(String(format: "binary is %.1fx smaller, %.0fx faster to encode, %.0fx faster to decode",
                     Double(json.count) / Double(bin.count), jsonEnc / binEnc, jsonDec / binDec))
    }
}
