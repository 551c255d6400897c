import ClosebellCore
import Foundation
import FuzzDriver
import FuzzSupport

/// LightGBM text models: `LightGBMModel(text:path:)`, which `ModelLoader.load` calls for
/// `model.txt` after checking the bytes are UTF-8 (as here). A model that loads is scored.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    guard let text = String(data: Data(bytes: data, count: size), encoding: .utf8) else { return 0 }
    guard let model = try? LightGBMModel(text: text, path: "fuzz/model.txt") else { return 0 }
    Fuzz.score(model)
    return 0
}

/// The executable's entry point (SwiftPM links `main` to `fuzz_lightgbm_main`): libFuzzer's driver.
@_cdecl("fuzz_lightgbm_main")
public func entry(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>) -> CInt {
    closebell_fuzz_main(argc, argv)
}
