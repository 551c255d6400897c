import ClosebellCore
import ClosebellProtocol
import FuzzDriver
import FuzzSupport

/// The control messages: the header check `WireFormat.kind(of:)`, `CancelMessage.decode`, and
/// `StartedMessage.decode` when the contract has it (`ops/fuzz` defines HAVE_STARTED_MESSAGE
/// when Sources/Protocol/Messages declares `StartedMessage`).
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let body = Fuzz.bytes(data, size)
    if let k = try? WireFormat.kind(of: body) { _ = k.typeName }
    if let m = try? CancelMessage.decode(body) {
        Fuzz.check((try? CancelMessage.decode(m.encode())) == m, "cancel encode/decode round trip")
    }
    #if HAVE_STARTED_MESSAGE
    if let m = try? StartedMessage.decode(body) {
        Fuzz.check((try? StartedMessage.decode(m.encode())) != nil, "re-encoded started message does not decode")
    }
    #endif
    return 0
}

/// The executable's entry point (SwiftPM links `main` to `fuzz_control_main`): libFuzzer's driver.
@_cdecl("fuzz_control_main")
public func entry(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>) -> CInt {
    closebell_fuzz_main(argc, argv)
}
