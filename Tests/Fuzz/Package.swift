// swift-tools-version:6.0
// Coverage-guided fuzz targets (libFuzzer) for Closebell's parsers, decoders and model loaders.
// Build and run them with `ops/fuzz` (from the repository root); the build needs
// `-Xswiftc -sanitize=fuzzer,address -Xswiftc -parse-as-library`. libFuzzer's driver runs each
// target: SwiftPM renames an executable's entry point to `<module>_main`, which each target
// defines to call `LLVMFuzzerRunDriver` (the FuzzDriver shim) on its `LLVMFuzzerTestOneInput`.
import PackageDescription

let core = Target.Dependency.product(name: "ClosebellCore", package: "Closebell")
let proto = Target.Dependency.product(name: "ClosebellProtocol", package: "Closebell")

let package = Package(
    name: "ClosebellFuzz",
    platforms: [.macOS(.v14)],
    dependencies: [.package(name: "Closebell", path: "../..")],
    targets: [
        // Shared helpers: input copying, invariant checks, scoring a loaded model.
        .target(name: "FuzzSupport", dependencies: [core], path: "Sources/FuzzSupport"),
        .target(name: "FuzzDriver", path: "Sources/FuzzDriver"),
        .executableTarget(name: "fuzz-daily-csv", dependencies: ["FuzzDriver", "FuzzSupport", core], path: "Sources/fuzz-daily-csv"),
        .executableTarget(name: "fuzz-chunk", dependencies: ["FuzzDriver", "FuzzSupport", core, proto], path: "Sources/fuzz-chunk"),
        .executableTarget(name: "fuzz-result", dependencies: ["FuzzDriver", "FuzzSupport", core, proto], path: "Sources/fuzz-result"),
        .executableTarget(name: "fuzz-control", dependencies: ["FuzzDriver", "FuzzSupport", core, proto], path: "Sources/fuzz-control"),
        .executableTarget(name: "fuzz-xgboost", dependencies: ["FuzzDriver", "FuzzSupport", core], path: "Sources/fuzz-xgboost"),
        .executableTarget(name: "fuzz-lightgbm", dependencies: ["FuzzDriver", "FuzzSupport", core], path: "Sources/fuzz-lightgbm"),
        .executableTarget(name: "fuzz-linear", dependencies: ["FuzzDriver", "FuzzSupport", core], path: "Sources/fuzz-linear"),
    ],
    swiftLanguageModes: [.v6]
)
