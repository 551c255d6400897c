import ArgumentParser
import ClosebellCore
import ClosebellProtocol
import ClosebellRuntime
import ClosebellWorker
import Foundation
import Logging
import ServiceLifecycle

/// `worker consume` (the default): take chunks from RabbitMQ until SIGTERM.
struct Consume: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Consume chunks from RabbitMQ, predict, publish results (the default). SIGTERM finishes the chunk in hand, then exits.")
    @Option(name: .customLong("amqp-url"), help: "Broker URL (default: $CLOSEBELL_AMQP_URL).") var amqpURL: String?
    @Option(help: "Chunks a worker may hold unacknowledged.") var prefetch = 1
    @Option(help: "Name prefix of the exchanges and queues (default: $CLOSEBELL_TOPOLOGY_PREFIX or closebell).") var topologyPrefix: String?
    @Option(help: "Redeliveries before the broker dead-letters a chunk (must match the coordinator's).") var deliveryLimit: Int?
    @Option(help: "Worker id in results and logs (default: host-pid).") var id: String?
    @Option(help: "Exit after this many chunks (0: never).") var maxChunks = 0
    @Option(help: "Log level: trace, debug, info, warning, error.") var logLevel = "info"
    @Option(help: "Log format: text or json.") var logFormat = "text"
    @Option(help: "AMQP heartbeat interval in seconds.") var heartbeat = 30
    @Option(help: "Port of /metrics, /healthz and /readyz (default: $CLOSEBELL_METRICS_PORT or 0, off).") var metricsPort: Int?
    @Option(help: "Address the metrics server binds (default: 127.0.0.1).") var metricsHost = "127.0.0.1"
    @Option(help: "Seconds to finish the chunk in hand after SIGTERM before exiting anyway.") var gracePeriod = 60.0

    func run() async throws {
        guard let level = Logger.Level(rawValue: logLevel) else { fail("--log-level \(logLevel): not a log level", code: 64) }
        guard let format = LogFormat(rawValue: logFormat) else { fail("--log-format \(logFormat): use text or json", code: 64) }
        LogSetup.bootstrap(level: level, format: format)
        let url: AMQPURL
        do { url = try AMQPURL(Settings.amqpURL(amqpURL)) } catch { fail("\(error)") }
        let topology = ClosebellTopology(prefix: topologyPrefix ?? Settings.env("CLOSEBELL_TOPOLOGY_PREFIX") ?? "closebell",
                                         deliveryLimit: deliveryLimit ?? Settings.env("CLOSEBELL_DELIVERY_LIMIT").flatMap { Int($0) } ?? 5)
        var options = WorkerOptions(amqpURL: url, topology: topology, workerId: id ?? "\(ProcessInfo.processInfo.hostName)-\(getpid())")
        options.prefetch = prefetch
        options.maxChunks = maxChunks
        options.heartbeatSeconds = heartbeat
        let port = metricsPort ?? Settings.env("CLOSEBELL_METRICS_PORT").flatMap { Int($0) } ?? 0
        guard (0...65_535).contains(port) else { fail("--metrics-port \(port): not a port", code: 64) }
        guard gracePeriod > 0 else { fail("--grace-period \(gracePeriod): must be more than 0", code: 64) }

        let logger = Logger(label: "closebell.worker")
        let registry = MetricsSetup.bootstrap()
        let loop = WorkerLoop(options: options, logger: logger)
        let worker = ThreadService(name: "worker-loop", gracePeriod: .seconds(gracePeriod),
                                   body: { try loop.run() }, stop: { loop.requestStop() })
        var services = [ServiceGroupConfiguration.ServiceConfiguration(
            service: worker, successTerminationBehavior: .gracefullyShutdownGroup, failureTerminationBehavior: .gracefullyShutdownGroup)]
        if port > 0 {
            let http = HealthServer.application(host: metricsHost, port: port, registry: registry,
                                                readiness: { loop.isConnected ? nil : "not connected to the broker" }, logger: logger)
            services.append(.init(service: http))
        }
        let group = ServiceGroup(configuration: .init(services: services, gracefulShutdownSignals: [.sigterm, .sigint],
                                                      logger: logger))
        do {
            try await group.run()
        } catch {
            fail("\(error)")
        }
    }
}
