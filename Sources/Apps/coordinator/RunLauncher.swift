import ArgumentParser
import ClosebellCoordinator
import ClosebellCore
import ClosebellRuntime
import Foundation
import Logging
import ServiceLifecycle
import Synchronization

/// Options for the HTTP endpoints of a long-running coordinator command.
struct MetricsOptions: ParsableArguments {
    @Option(help: "Port of /metrics, /healthz and /readyz while the run goes on (default: setting metrics.port; 0: off).")
    var metricsPort: Int?
    @Option(help: "Address the metrics server binds (default: setting metrics.host).") var metricsHost: String?

    var host: String { metricsHost ?? AppConfiguration.settings.metricsHost }

    var port: Int {
        let p = metricsPort ?? AppConfiguration.settings.metricsPort
        guard (0...65_535).contains(p) else { fail("--metrics-port \(p): not a port", code: 64) }
        return p
    }
}

/// Runs a run as a service group: the blocking run loop on its own thread and, when a port is
/// given, the metrics server beside it. SIGTERM or SIGINT stops the loop; the run stays open
/// for a later `run` to resume. Exits with the run's code when it is not 0.
func launch(_ options: RunOptions, metrics: MetricsOptions) async throws {
    let logger = Logger(label: "closebell.coordinator")
    try await launch({ RunCoordinator(options: options, logger: logger) }, metrics: metrics, logger: logger)
}

/// Runs a driver (one run, or a catch-up) as a service group; see ``launch(_:metrics:)``. The
/// driver is made after the metrics system is bootstrapped, so the metrics it makes are served.
func launch(_ make: () -> any RunDriver, metrics: MetricsOptions, logger: Logger) async throws {
    let registry = MetricsSetup.bootstrap()
    let coordinator = make()
    let outcome = Mutex<Result<RunExit, Error>?>(nil)
    let loop = ThreadService(name: "run-loop", gracePeriod: .seconds(30), body: {
        let result = Result { try coordinator.drive() }
        outcome.withLock { $0 = result }
    }, stop: { coordinator.requestStop() })
    var services = [ServiceGroupConfiguration.ServiceConfiguration(
        service: loop, successTerminationBehavior: .gracefullyShutdownGroup, failureTerminationBehavior: .gracefullyShutdownGroup)]
    if metrics.port > 0 {
        services.append(.init(service: HealthServer.application(host: metrics.host, port: metrics.port, registry: registry,
                                                                readiness: { coordinator.notReady }, logger: logger)))
    }
    try await ServiceGroup(configuration: .init(services: services, gracefulShutdownSignals: [.sigterm, .sigint],
                                                logger: logger)).run()
    switch outcome.withLock({ $0 }) {
    case .success(let exit)?:
        if exit != .completed { throw ExitCode(exit.rawValue) }
    case .failure(let e as RunRequestError)?:
        fail(e.description, code: 64)
    case .failure(let e)?:
        fail("\(e)")
    case nil:
        fail("the run loop ended without an outcome")
    }
}
