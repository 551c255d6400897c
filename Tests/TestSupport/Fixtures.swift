import ClosebellCore
import ClosebellProtocol

/// Values several test targets build their cases from.
public enum Fixtures {
    /// A chunk of `symbols` random-walk series of `rows` days each (run 7, chunk 3, attempt 2).
    public static func chunk(symbols: Int = 50, rows: Int = 60) -> ChunkMessage {
        var rng = SplitMix64(seed: 1)
        let series = (0..<symbols).map { i -> SymbolSeries in
            var s = SymbolSeries(symbol: SampleDataGenerator.symbolName(i))
            for d in 0..<rows {
                let p = 100 + rng.uniform()
                s.append(Bar(symbol: s.symbol, day: Day(daysSinceEpoch: Int32(20_000 + d)), open: p, high: p + 1, low: p - 1,
                             close: p, volume: 1000))
            }
            return s
        }
        return ChunkMessage(runId: 7, chunkNo: 3, attempt: 2, asOf: Day(daysSinceEpoch: Int32(20_000 + rows - 1)),
                            modelStore: "/models", tradingWeekdays: [0, 1, 2, 3, 4], series: series)
    }
}
