import ClosebellCore
import ClosebellProtocol
import Foundation

/// Fault injection for the fault tests, off unless its environment variables are set:
/// `CLOSEBELL_FAULT_CRASH_ON_SYMBOL=SYM` makes the worker die (exit 70, no ack) on any chunk
/// holding SYM; `CLOSEBELL_FAULT_DELAY_MS=N` holds every chunk N ms before computing, so a
/// test can kill a worker mid-chunk; `CLOSEBELL_FAULT_DUPLICATE_RESULTS=1` publishes every
/// result twice; `CLOSEBELL_FAULT_FORGE_RESULT=1` publishes an invalid result before each real one.
enum FaultInjection {
    static let duplicateResults = Settings.env("CLOSEBELL_FAULT_DUPLICATE_RESULTS") == "1"
    static let crashSymbol = Settings.env("CLOSEBELL_FAULT_CRASH_ON_SYMBOL")
    static let delayMs = Settings.env("CLOSEBELL_FAULT_DELAY_MS").flatMap { Int($0) } ?? 0
    static let forgeResults = Settings.env("CLOSEBELL_FAULT_FORGE_RESULT") == "1"

    /// A result that decodes but does not fit its chunk: a symbol it never held, a NaN value,
    /// a model path outside the store, and the chunk's first symbol missing.
    static func forged(_ real: ResultMessage) -> ResultMessage {
        var f = real
        f.predictions = Array(f.predictions.dropFirst())
        f.failures = Array(f.failures.dropFirst(f.predictions.count == real.predictions.count ? 1 : 0))
        f.predictions.append(.init(symbol: "FORGED \u{1F480}", value: .nan, target: real.asOf.adding(days: 1),
                                   model: ModelIdentity(kind: .linear, path: "/etc/passwd", hash: String(repeating: "0", count: 64))))
        return f
    }

    static func beforeCompute(_ chunk: ChunkMessage) throws {
        if let sym = crashSymbol, chunk.series.contains(where: { $0.symbol == sym }) {
            FileHandle.standardError.write(Data("fault injection: crashing on \(sym) (run \(chunk.runId) chunk \(chunk.chunkNo))\n".utf8))
            exit(70)
        }
    }

    /// Runs on the compute thread, so heartbeats keep flowing while a chunk is held.
    static func delay() {
        if delayMs > 0 { Thread.sleep(forTimeInterval: Double(delayMs) / 1000) }
    }
}
