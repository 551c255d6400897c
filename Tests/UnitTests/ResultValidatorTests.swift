import ClosebellCore
import ClosebellCoordinator
import ClosebellProtocol
import ClosebellStorage
import Testing

/// A result must account for exactly its chunk's symbols with sane values (SPEC §4).
@Suite("Results checked against their chunk")
struct ResultValidatorTests {
    static let asOf = Day(iso: "2025-06-26")!
    static let store = "/srv/models"
    static let hash = String(repeating: "ab", count: 32)

    var chunk: ChunkContext {
        var request = RunRequest(market: "nepse", asOf: Self.asOf, modelStore: Self.store)
        request.chunkSize = 3
        return ChunkContext(runId: 1, chunkNo: 0, market: "nepse", asOf: Self.asOf, symbols: ["ZZ", "ZZ Q", "Ü/.."],
                            attempts: 1, config: request.json)
    }

    static func item(_ s: String, value: Double = 0.5, target: Day? = nil, path: String? = store + "/_global/model.json",
                     hash: String? = hash, kind: ModelKind = .linear) -> ResultMessage.Item {
        .init(symbol: s, day: asOf, value: value, target: target ?? asOf.adding(days: 3),
              model: kind == .fallback ? .fallback : ModelIdentity(kind: kind, path: path, hash: hash))
    }

    func result(_ items: [ResultMessage.Item], _ failures: [ResultMessage.Failure] = [], attempt: Int = 1) -> ResultMessage {
        ResultMessage(runId: 1, chunkNo: 0, attempt: attempt, asOf: Self.asOf, worker: "w", computeMicros: 1,
                      predictions: items, failures: failures)
    }

    @Test("a result with every symbol once, as prediction or failure, passes")
    func good() {
        let r = result([Self.item("ZZ"), Self.item("ZZ Q", kind: .fallback)],
                       [.init(symbol: "Ü/..", day: Self.asOf, stage: "features", error: "insufficient history")])
        #expect(ResultValidator.problem(with: r, for: chunk) == nil)
    }

    @Test("forged results are refused with the reason", arguments: [
        ("same symbol twice", "reported twice"),
        ("symbol not in chunk", "is not in chunk 0"),
        ("symbols missing", "missing from the result"),
        ("empty result", "3 symbol(s) of the chunk are missing"),
        ("NaN value", "is not finite"),
        ("infinite value", "is not finite"),
        ("target before as-of", "target date"),
        ("target a year later", "target date"),
        ("model path /etc/passwd", "is not a model file of the store"),
        ("model outside the store", "outside the run's model store"),
        ("path with ..", "is not a model file of the store"),
        ("bad hash", "is not a SHA-256"),
        ("fallback with a path", "a fallback names a model file"),
        ("unknown stage", "unknown failure stage"),
        ("attempt never published", "was never published"),
    ])
    func forged(name: String, expected: String) throws {
        let z = Self.item("ZZ"), q = Self.item("ZZ Q"), u = Self.item("Ü/..")
        let r: ResultMessage
        switch name {
        case "same symbol twice": r = result([z, q, u, z])
        case "symbol not in chunk": r = result([z, q, u, Self.item("EXTRA")])
        case "symbols missing": r = result([z])
        case "empty result": r = result([])
        case "NaN value": r = result([z, q, Self.item("Ü/..", value: .nan)])
        case "infinite value": r = result([z, q, Self.item("Ü/..", value: -.infinity)])
        case "target before as-of": r = result([z, q, Self.item("Ü/..", target: Self.asOf)])
        case "target a year later": r = result([z, q, Self.item("Ü/..", target: Self.asOf.adding(days: 365))])
        case "model path /etc/passwd": r = result([z, q, Self.item("Ü/..", path: "/etc/passwd")])
        case "model outside the store": r = result([z, q, Self.item("Ü/..", path: "/tmp/x/model.json")])
        case "path with ..": r = result([z, q, Self.item("Ü/..", path: Self.store + "/../etc/model.json")])
        case "bad hash": r = result([z, q, Self.item("Ü/..", hash: "abc")])
        case "fallback with a path":
            r = result([z, q, .init(symbol: "Ü/..", day: Self.asOf, value: 1, target: Self.asOf.adding(days: 1),
                                    model: ModelIdentity(kind: .fallback, path: "/x", hash: nil))])
        case "unknown stage": r = result([z, q], [.init(symbol: "Ü/..", day: Self.asOf, stage: "; DROP TABLE", error: "x")])
        case "attempt never published": r = result([z, q, u], attempt: 2)
        default: Issue.record("unknown case \(name)"); return
        }
        let why = try #require(ResultValidator.problem(with: r, for: chunk), "\(name) was accepted")
        #expect(why.contains(expected), "\(name): \(why)")
    }

    @Test("a backfill result must account for each symbol on each of its trading days in the range, once")
    func backfillCoverage() throws {
        let d1 = Self.asOf.adding(days: -2), d2 = Self.asOf
        var request = RunRequest(market: "nepse", asOf: d2, modelStore: Self.store)
        request.firstDay = d1
        let chunk = ChunkContext(runId: 1, chunkNo: 4, market: "nepse", asOf: d2, firstDay: d1, symbols: ["A", "B"],
                                 expected: ["A": [d1, d2], "B": [d2]], attempts: 1, config: request.json)
        func item(_ s: String, _ d: Day) -> ResultMessage.Item {
            .init(symbol: s, day: d, value: 0.1, target: d.adding(days: 1),
                  model: ModelIdentity(kind: .linear, path: Self.store + "/_global/model.json", hash: Self.hash))
        }
        func check(_ items: [ResultMessage.Item], skips: [ResultMessage.Skip] = []) -> String? {
            ResultValidator.problem(with: ResultMessage(runId: 1, chunkNo: 4, attempt: 1, asOf: d2, worker: "w", computeMicros: 1,
                                                        predictions: items, failures: [], skips: skips), for: chunk)
        }
        #expect(check([item("A", d2), item("B", d2)], skips: [.init(symbol: "A", day: d1, reason: "insufficient history")]) == nil)
        #expect(check([item("A", d1), item("A", d2)])?.contains("1 entries of the chunk are missing from the result, e.g. 'B'") == true)
        #expect(check([item("A", d1), item("A", d2), item("B", d2), item("B", d1)])?.contains("'B' on \(d1) is not a day of the chunk")
                == true)
        #expect(check([item("A", d1), item("A", d2), item("B", d2), item("A", d2)])?.contains("reported twice") == true)
    }
}
