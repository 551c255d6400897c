// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "Closebell",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "coordinator", targets: ["Coordinator"]),
        .executable(name: "worker", targets: ["Worker"]),
        .executable(name: "closebell-bench", targets: ["Benchmarks"]),
        .library(name: "ClosebellCore", targets: ["ClosebellCore"]),
        .library(name: "ClosebellProtocol", targets: ["ClosebellProtocol"]),
        .library(name: "ClosebellStorage", targets: ["ClosebellStorage"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.6.0"),
    ],
    targets: [
        // C libraries, wrapped once each.
        .systemLibrary(
            name: "CRabbitMQ", path: "Sources/CRabbitMQ", pkgConfig: "librabbitmq",
            providers: [.apt(["librabbitmq-dev"])]),
        .systemLibrary(
            name: "CLibPQ", path: "Sources/CLibPQ", pkgConfig: "libpq",
            providers: [.apt(["libpq-dev"])]),

        // Prediction core: input files, features, models, trainer, sample data. No I/O servers.
        .target(name: "ClosebellCore", path: "Sources/Core"),
        // Message contract between coordinator and workers, and the AMQP transport.
        .target(
            name: "ClosebellProtocol",
            dependencies: ["CRabbitMQ", "ClosebellCore", .product(name: "Logging", package: "swift-log")],
            path: "Sources/Protocol"),
        // PostgreSQL layer: connections, COPY, migrations, the run ledger and predictions.
        .target(
            name: "ClosebellStorage",
            dependencies: ["CLibPQ", "ClosebellCore", .product(name: "Logging", package: "swift-log")],
            path: "Sources/Storage"),
        // Worker logic (chunk processing loop), importable by tests.
        .target(
            name: "ClosebellWorker",
            dependencies: ["ClosebellCore", "ClosebellProtocol", .product(name: "Logging", package: "swift-log")],
            path: "Sources/WorkerKit"),
        // Coordinator logic (ingest, planning, aggregation, accounting), importable by tests.
        .target(
            name: "ClosebellCoordinator",
            dependencies: [
                "ClosebellCore", "ClosebellProtocol", "ClosebellStorage",
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Sources/CoordinatorKit"),

        .executableTarget(
            name: "Coordinator",
            dependencies: [
                "ClosebellCoordinator", "ClosebellCore", "ClosebellProtocol", "ClosebellStorage",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Sources/Coordinator"),
        .executableTarget(
            name: "Worker",
            dependencies: [
                "ClosebellWorker", "ClosebellCore", "ClosebellProtocol",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Sources/Worker"),
        .executableTarget(
            name: "Benchmarks",
            dependencies: [
                "ClosebellCore", "ClosebellProtocol", "ClosebellStorage",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            path: "Sources/Benchmarks"),

        // Fixtures shared by the test targets.
        .target(name: "TestSupport", dependencies: ["ClosebellCore", "ClosebellProtocol"], path: "Tests/TestSupport"),
        .testTarget(name: "CoreTests", dependencies: ["ClosebellCore"], path: "Tests/CoreTests"),
        // Fast tests of every other layer that need no server.
        .testTarget(
            name: "UnitTests",
            dependencies: ["ClosebellCore", "ClosebellProtocol", "ClosebellStorage", "ClosebellCoordinator", "ClosebellWorker",
                           "TestSupport"],
            path: "Tests/UnitTests"),
        .testTarget(
            name: "IntegrationTests",
            dependencies: ["ClosebellCore", "ClosebellProtocol", "ClosebellStorage", "ClosebellCoordinator", "ClosebellWorker",
                           "TestSupport"],
            path: "Tests/IntegrationTests"),
    ],
    swiftLanguageModes: [.v6]
)
