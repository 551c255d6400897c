import ArgumentParser
import ClosebellCore
import Foundation

struct SampleData: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sample-data",
        abstract: "Write realistic synthetic daily files (random walks, Sunday–Thursday, late listings, halts, a few malformed rows).")
    @Option(help: "Number of symbols.") var symbols = 300
    @Option(help: "Number of trading days.") var days = 250
    @Option(help: "Output folder.") var out: String
    @Option(help: "Random seed.") var seed: UInt64 = 42
    @Option(help: "Market prefix of the file names.") var market = "nepse"
    @Option(help: "Last trading day (YYYY-MM-DD).") var end = "2025-06-26"
    @Option(help: "Malformed rows per file, on average.") var malformed = 0.5

    func run() throws {
        guard let endDay = Day(iso: end) else { throw ValidationError("--end '\(end)' is not YYYY-MM-DD") }
        let g = SampleDataGenerator(symbols: symbols, days: days, seed: seed, market: market, end: endDay,
                                    calendar: .sundayToThursday, malformedPerFile: malformed)
        let paths = try g.write(to: out)
        print("wrote \(paths.count) daily files for \(symbols) symbols to \(out) (\(g.tradingDays.first!) … \(g.tradingDays.last!))")
    }
}
