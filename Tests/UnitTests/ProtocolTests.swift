import ClosebellCore
import ClosebellProtocol
import Foundation
import TestSupport
import Testing

@Suite("Message contract")
struct ProtocolTests {
    static func chunk(symbols: Int = 50, rows: Int = 60) -> ChunkMessage { Fixtures.chunk(symbols: symbols, rows: rows) }

    @Test("chunks, results and cancels round-trip exactly")
    func roundTrip() throws {
        let c = Self.chunk()
        #expect(try ChunkMessage.decode(c.encode()) == c)
        let r = ResultMessage(runId: 7, chunkNo: 3, attempt: 2, asOf: c.asOf, worker: "w-1", computeMicros: 123,
                              predictions: [.init(symbol: "A", day: c.asOf, value: 0.1 + 0.2, target: c.asOf.adding(days: 1), model: ModelIdentity(kind: .xgboost, path: "/m/A/model.json", hash: "ab")),
                                            .init(symbol: "B", day: c.asOf.adding(days: -1), value: -1e-300, target: c.asOf.adding(days: 3), model: .fallback)],
                              failures: [.init(symbol: "C", day: c.asOf, stage: "features", error: "insufficient history: 3 rows")])
        #expect(try ResultMessage.decode(r.encode()) == r)
        var range = c
        range.firstDay = c.asOf.adding(days: -30)
        #expect(try ChunkMessage.decode(range.encode()) == range)
        #expect(range.isRange && !c.isRange)
        range.firstDay = c.asOf.adding(days: 1)
        let late = #expect(throws: MessageDecodingError.self) { try ChunkMessage.decode(range.encode()) }
        #expect(late?.description.contains("must be on or before the as-of date") == true)
        #expect(try CancelMessage.decode(CancelMessage(runId: 9).encode()) == CancelMessage(runId: 9))
    }

    @Test("a result's model files decode as written, when one repeats and when they alternate")
    func repeatedModels() throws {
        let day = Day(iso: "2025-03-03")!
        let a = ModelIdentity(kind: .xgboost, path: "/m/A/model.json", hash: String(repeating: "a", count: 64))
        let b = ModelIdentity(kind: .lightgbm, path: "/m/B/model.txt", hash: String(repeating: "b", count: 64))
        let near = ModelIdentity(kind: .xgboost, path: "/m/A/model.jsoN", hash: a.hash)  // same length, one byte off
        let models = [a, a, b, .fallback, a, near, near, ModelIdentity(kind: .linear, path: "", hash: ""), a]
        let r = ResultMessage(runId: 1, chunkNo: 0, attempt: 1, asOf: day, worker: "w", computeMicros: 1,
                              predictions: models.enumerated().map { i, m in
                                  .init(symbol: "S\(i)", day: day, value: Double(i), target: day.adding(days: 1),
                                        model: m)
                              }, failures: [])
        let back = try ResultMessage.decode(r.encode())
        #expect(back == r)
        #expect(back.predictions.map { $0.model } == models)
    }

    @Test("truncated, foreign and future-version messages are refused with a reason")
    func refusals() throws {
        let body = Self.chunk(symbols: 2, rows: 5).encode()
        for cut in [0, 3, 10, body.count / 2, body.count - 1] {
            #expect(throws: MessageDecodingError.self) { try ChunkMessage.decode(Array(body.prefix(cut))) }
        }
        var future = body
        future[2] = 9
        let v = #expect(throws: MessageDecodingError.self) { try ChunkMessage.decode(future) }
        #expect(v?.description.contains("unknown protocol version 9") == true)
        let foreign = #expect(throws: MessageDecodingError.self) { try ChunkMessage.decode(Array("{\"json\":true}".utf8)) }
        #expect(foreign?.description.contains("not a Closebell message") == true)
        let wrongKind = #expect(throws: MessageDecodingError.self) { try ResultMessage.decode(body) }
        #expect(wrongKind?.description.contains("expected a result message, got chunk") == true)
    }
}
