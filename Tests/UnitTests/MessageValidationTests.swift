import ClosebellCore
import ClosebellProtocol
import Foundation
import TestSupport
import Testing

/// Forged and malformed messages: each is refused with a reason naming the field, never a crash.
@Suite("Message validation at the trust boundary")
struct MessageValidationTests {
    /// Re-encodes a chunk after `change`, so a test can forge one field at a time.
    func forged(_ change: (inout ChunkMessage) -> Void) -> [UInt8] {
        var c = Fixtures.chunk(symbols: 2, rows: 5)
        change(&c)
        return c.encode()
    }

    func renamed(_ s: SymbolSeries, _ name: String) -> SymbolSeries {
        SymbolSeries(symbol: name, days: s.days, open: s.open, high: s.high, low: s.low, close: s.close, volume: s.volume)
    }

    func refusal(_ body: [UInt8]) -> String? {
        do { _ = try ChunkMessage.decode(body); return nil } catch { return "\(error)" }
    }

    @Test("forged chunks are refused with the field named", arguments: [
        ("weekday 9", "trading weekdays"),
        ("no weekdays", "trading weekdays"),
        ("same weekday twice", "trading weekdays"),
        ("symbol twice", "appears twice"),
        ("empty symbol", "is empty"),
        ("days out of order", "is not after the previous one"),
        ("row after as-of", "after the as-of date"),
        ("day 2^31-1", "outside 1900-01-01"),
        ("as-of far past", "outside 1900-01-01"),
        ("attempt 0", "attempt 0"),
        ("run id 0", "run id 0 is not positive"),
        ("chunk 2^32-1", "chunk number 4294967295 is out of range"),
    ])
    func forgedChunks(name: String, expected: String) throws {
        let body: [UInt8]
        switch name {
        case "weekday 9": body = forged { $0.tradingWeekdays = [9] }
        case "no weekdays": body = forged { $0.tradingWeekdays = [] }
        case "same weekday twice": body = forged { $0.tradingWeekdays = [1, 1] }
        case "symbol twice": body = forged { $0.series[1] = renamed($0.series[1], $0.series[0].symbol) }
        case "empty symbol": body = forged { $0.series[0] = renamed($0.series[0], "") }
        case "days out of order": body = forged { $0.series[0].days.swapAt(0, 1) }
        case "row after as-of": body = forged { $0.asOf = $0.asOf.adding(days: -1); $0.firstDay = $0.asOf }
        case "day 2^31-1": body = forged { $0.series[0].days[4] = Day(daysSinceEpoch: Int32.max); $0.asOf = Day(daysSinceEpoch: Int32.max) }
        case "as-of far past": body = forged { $0.asOf = Day(daysSinceEpoch: Int32.min) }
        case "attempt 0": body = forged { $0.attempt = 0 }
        case "run id 0": body = forged { $0.runId = 0 }
        case "chunk 2^32-1": body = forged { $0.chunkNo = Int(UInt32.max) }
        default: Issue.record("unknown case \(name)"); return
        }
        let why = try #require(refusal(body), "\(name) was accepted")
        #expect(why.contains(expected), "\(name): \(why)")
    }

    @Test("NUL bytes and invalid UTF-8 in strings are refused, never rewritten")
    func badStrings() throws {
        let good = Fixtures.chunk(symbols: 1, rows: 3).encode()
        let symbol = Array(Fixtures.chunk(symbols: 1, rows: 3).series[0].symbol.utf8)
        let at = try #require((0..<good.count).first { Array(good[$0..<min(good.count, $0 + symbol.count)]) == symbol })
        for (byte, reason) in [(UInt8(0), "NUL byte"), (UInt8(0xFF), "not valid UTF-8")] {
            var body = good
            body[at + 1] = byte
            let why = try #require(refusal(body))
            #expect(why.contains(reason), "\(why)")
        }
    }

    @Test("counts larger than the body are refused before anything is allocated")
    func hugeCounts() throws {
        var w = BinaryWriter()
        w.u8(0x43); w.u8(0x42); w.u8(WireFormat.version); w.u8(WireFormat.Kind.result.rawValue)
        w.i64(1); w.u32(0); w.u16(1); w.i32(20_000)
        w.string("w"); w.i64(0)
        w.u32(999_999)  // predictions, with no bytes behind them
        #expect(throws: MessageDecodingError.self) { try ResultMessage.decode(w.bytes) }
        let cut = Array(Fixtures.chunk(symbols: 3, rows: 4).encode().prefix(40))
        #expect(throws: MessageDecodingError.self) { try ChunkMessage.decode(cut) }
    }

    @Test("started messages round-trip and are checked")
    func started() throws {
        let s = StartedMessage(runId: 5, chunkNo: 2, attempt: 1, worker: "host-1")
        #expect(try StartedMessage.decode(s.encode()) == s)
        #expect(try WireFormat.kind(of: s.encode()) == .started)
        var zero = s
        zero.attempt = 0
        #expect(throws: MessageDecodingError.self) { try StartedMessage.decode(zero.encode()) }
    }
}
