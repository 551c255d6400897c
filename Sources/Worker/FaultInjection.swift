import ClosebellCore
import ClosebellProtocol
import Foundation

/// Fault injection for the fault tests; off unless its environment variables are set (the
/// worker's main reads them with ``init(environment:)``):
/// `CLOSEBELL_FAULT_CRASH_ON_SYMBOL=SYM` makes the worker die (exit 70, no ack) on any chunk
/// holding SYM; `CLOSEBELL_FAULT_DELAY_MS=N` holds every chunk N ms before computing, so a
/// test can kill a worker mid-chunk; `CLOSEBELL_FAULT_DUPLICATE_RESULTS=1` publishes every
/// result twice; `CLOSEBELL_FAULT_FORGE_RESULT=1` publishes an invalid result before each real one.
public struct FaultInjection: Sendable, Equatable {
    /// Publish every result twice. Default: false.
    public var duplicateResults = false
    /// Exit (70, no ack) on a chunk holding this symbol. Default: nil (never).
    public var crashSymbol: String?
    /// Hold every chunk this long before computing. Default: zero.
    public var delay: Duration = .zero
    /// Publish a forged result before each real one. Default: false.
    public var forgeResults = false

    /// No faults.
    public init() {}

    /// The faults the `CLOSEBELL_FAULT_*` variables of `environment` ask for.
    public init(environment: [String: String]) {
        duplicateResults = environment["CLOSEBELL_FAULT_DUPLICATE_RESULTS"] == "1"
        crashSymbol = environment["CLOSEBELL_FAULT_CRASH_ON_SYMBOL"].flatMap { $0.isEmpty ? nil : $0 }
        delay = .milliseconds(environment["CLOSEBELL_FAULT_DELAY_MS"].flatMap { Int($0) } ?? 0)
        forgeResults = environment["CLOSEBELL_FAULT_FORGE_RESULT"] == "1"
    }

    /// A result that decodes but does not fit its chunk: a symbol it never held, a NaN value,
    /// a model path outside the store, and the chunk's first symbol missing.
    static func forged(_ real: ResultMessage) -> ResultMessage {
        var f = real
        f.predictions = Array(f.predictions.dropFirst())
        f.failures = Array(f.failures.dropFirst(f.predictions.count == real.predictions.count ? 1 : 0))
        f.predictions.append(.init(symbol: "FORGED \u{1F480}", day: real.asOf, value: .nan, target: real.asOf.adding(days: 1),
                                   model: ModelIdentity(kind: .linear, path: "/etc/passwd",
                                                        hash: String(repeating: "0", count: 64))))
        return f
    }

    func beforeCompute(_ chunk: ChunkMessage) {
        if let sym = crashSymbol, chunk.series.contains(where: { $0.symbol == sym }) {
            let line = "fault injection: crashing on \(sym) (run \(chunk.runId) chunk \(chunk.chunkNo))\n"
            FileHandle.standardError.write(Data(line.utf8))
            exit(70)
        }
    }

    /// Runs on the compute thread, so heartbeats keep flowing while a chunk is held.
    func pause() {
        if delay > .zero { Thread.sleep(forTimeInterval: delay.seconds) }
    }
}
