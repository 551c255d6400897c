// swift-tools-version:6.2
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
        .package(url: "https://github.com/apple/swift-log", from: "1.16.0"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.5.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.0.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.6.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.0.0"),
        .package(url: "https://github.com/apple/swift-http-types", from: "1.0.0"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.0.0"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.80.0"),
        .package(url: "https://github.com/apple/swift-nio-ssl", from: "2.30.0"),
        .package(url: "https://github.com/apple/swift-nio-extras", from: "1.25.0"),
        .package(url: "https://github.com/apple/swift-configuration", from: "1.0.0", traits: [.defaults, "YAML"]),
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
        .target(name: "ClosebellCore", dependencies: [.product(name: "Crypto", package: "swift-crypto")], path: "Sources/Core"),
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
        // What every process shares: metrics, the /metrics /healthz /readyz server, blocking
        // loops as services, the logging bootstrap.
        .target(
            name: "ClosebellRuntime",
            dependencies: [
                "ClosebellCore",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Configuration", package: "swift-configuration"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            path: "Sources/Runtime"),
        // The worker's behaviour: consume → compute → publish → ack, chunk processing, fault injection.
        .target(
            name: "ClosebellWorker",
            dependencies: [
                "ClosebellCore", "ClosebellProtocol", "ClosebellRuntime",
                .product(name: "Logging", package: "swift-log"), .product(name: "Metrics", package: "swift-metrics"),
            ],
            path: "Sources/Worker"),
        // The coordinator's behaviour: planning, publishing, result checks and aggregation, reporting.
        .target(
            name: "ClosebellCoordinator",
            dependencies: [
                "ClosebellCore", "ClosebellProtocol", "ClosebellStorage", "ClosebellRuntime",
                .product(name: "Logging", package: "swift-log"), .product(name: "Metrics", package: "swift-metrics"),
                // Notifications: SMTP with STARTTLS / TLS.
                .product(name: "NIOCore", package: "swift-nio"), .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"), .product(name: "NIOExtras", package: "swift-nio-extras"),
            ],
            path: "Sources/Coordinator"),

        // The web dashboard: pages, the /api/v1 JSON API, auth; reads PostgreSQL and the broker,
        // starts runs as `coordinator` child processes.
        .target(
            name: "ClosebellDashboard",
            dependencies: [
                "ClosebellCore", "ClosebellProtocol", "ClosebellStorage", "ClosebellRuntime", "ClosebellCoordinator",
                .product(name: "Hummingbird", package: "hummingbird"), .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Crypto", package: "swift-crypto"), .product(name: "Logging", package: "swift-log"),
            ],
            path: "Sources/Dashboard"),

        // Thin executables: parse flags, read the environment, call the roles, exit.
        .executableTarget(
            name: "Coordinator",
            dependencies: [
                "ClosebellCoordinator", "ClosebellDashboard", "ClosebellCore", "ClosebellProtocol", "ClosebellStorage", "ClosebellRuntime",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            path: "Sources/Apps/coordinator"),
        .executableTarget(
            name: "Worker",
            dependencies: [
                "ClosebellWorker", "ClosebellCore", "ClosebellProtocol", "ClosebellRuntime",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            path: "Sources/Apps/worker"),
        .executableTarget(
            name: "Benchmarks",
            dependencies: [
                "ClosebellCore", "ClosebellProtocol", "ClosebellStorage", "ClosebellRuntime", "ClosebellCoordinator",
                "ClosebellDashboard", .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            path: "Sources/Apps/closebell-bench"),

        // Fixtures shared by the test targets.
        .target(
            name: "TestSupport",
            dependencies: ["ClosebellCore", "ClosebellProtocol", "ClosebellDashboard",
                           .product(name: "HummingbirdTesting", package: "hummingbird"),
                           .product(name: "HTTPTypes", package: "swift-http-types")],
            path: "Tests/TestSupport"),
        .testTarget(name: "CoreTests", dependencies: ["ClosebellCore"], path: "Tests/CoreTests"),
        // Fast tests of every other layer that need no server.
        .testTarget(
            name: "UnitTests",
            dependencies: ["ClosebellCore", "ClosebellProtocol", "ClosebellStorage", "ClosebellCoordinator", "ClosebellWorker",
                           "ClosebellRuntime", "ClosebellDashboard", "TestSupport",
                           .product(name: "HummingbirdTesting", package: "hummingbird")],
            path: "Tests/UnitTests"),
        .testTarget(
            name: "IntegrationTests",
            dependencies: ["ClosebellCore", "ClosebellProtocol", "ClosebellStorage", "ClosebellCoordinator", "ClosebellWorker",
                           "ClosebellRuntime", "ClosebellDashboard", "TestSupport",
                           .product(name: "HummingbirdTesting", package: "hummingbird")],
            path: "Tests/IntegrationTests"),
    ],
    swiftLanguageModes: [.v6]
)
