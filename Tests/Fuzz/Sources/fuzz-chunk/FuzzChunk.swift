import ClosebellCore
import ClosebellProtocol
import FuzzDriver
import FuzzSupport

/// `ChunkMessage.decode`. A body that decodes must re-encode to bytes that decode to the same
/// bytes again (decode ∘ encode is the identity on what decode produces), and hold what the
/// worker relies on: text without NUL, each series' days increasing and not after the as-of date.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let body = Fuzz.bytes(data, size)
    guard let m = try? ChunkMessage.decode(body) else { return 0 }
    Fuzz.check(!m.modelStore.utf8.contains(0), "NUL in the model store")
    for s in m.series {
        Fuzz.check(!s.symbol.utf8.contains(0), "NUL in a symbol")
        Fuzz.check(zip(s.days, s.days.dropFirst()).allSatisfy { $0 < $1 }, "\(s.symbol): days not increasing")
        Fuzz.check(s.days.last.map { $0 <= m.asOf } ?? true, "\(s.symbol): a day after the as-of date")
        Fuzz.check([s.open, s.high, s.low, s.close, s.volume].allSatisfy { $0.count == s.days.count }, "\(s.symbol): column lengths")
    }
    let once = m.encode()
    guard let again = try? ChunkMessage.decode(once) else {
        Fuzz.check(false, "re-encoded chunk does not decode")
        return 0
    }
    Fuzz.check(again.encode() == once, "chunk encode/decode round trip is not stable")
    _ = m.messageId
    return 0
}

/// The executable's entry point (SwiftPM links `main` to `fuzz_chunk_main`): libFuzzer's driver.
@_cdecl("fuzz_chunk_main")
public func entry(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>) -> CInt {
    closebell_fuzz_main(argc, argv)
}
