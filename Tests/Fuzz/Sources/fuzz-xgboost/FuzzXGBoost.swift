import ClosebellCore
import Foundation
import FuzzDriver
import FuzzSupport

/// XGBoost JSON models: `XGBoostModel(data:path:)`, the bytes entry point `ModelLoader.load`
/// uses for `model.json` files holding a "learner". A model that loads is scored.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Data(bytes: data, count: size)
    guard let model = try? XGBoostModel(data: bytes, path: "fuzz/model.json") else { return 0 }
    Fuzz.score(model)
    return 0
}

/// The executable's entry point (SwiftPM links `main` to `fuzz_xgboost_main`): libFuzzer's driver.
@_cdecl("fuzz_xgboost_main")
public func entry(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>) -> CInt {
    closebell_fuzz_main(argc, argv)
}
