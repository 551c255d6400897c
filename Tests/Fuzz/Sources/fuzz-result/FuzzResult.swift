import ClosebellCore
import ClosebellProtocol
import FuzzDriver
import FuzzSupport

/// `ResultMessage.decode`. A body that decodes must re-encode to bytes that decode to the same
/// bytes again, and its text (stored in PostgreSQL) must hold no NUL.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let body = Fuzz.bytes(data, size)
    guard let m = try? ResultMessage.decode(body) else { return 0 }
    let texts = [m.worker] + m.predictions.flatMap { [$0.symbol, $0.model.path ?? "", $0.model.hash ?? ""] }
        + m.failures.flatMap { [$0.symbol, $0.stage, $0.error] }
    Fuzz.check(texts.allSatisfy { !$0.utf8.contains(0) }, "NUL in a decoded result's text")
    let once = m.encode()
    guard let again = try? ResultMessage.decode(once) else {
        Fuzz.check(false, "re-encoded result does not decode")
        return 0
    }
    Fuzz.check(again.encode() == once, "result encode/decode round trip is not stable")
    _ = m.messageId
    return 0
}

/// The executable's entry point (SwiftPM links `main` to `fuzz_result_main`): libFuzzer's driver.
@_cdecl("fuzz_result_main")
public func entry(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>) -> CInt {
    closebell_fuzz_main(argc, argv)
}
