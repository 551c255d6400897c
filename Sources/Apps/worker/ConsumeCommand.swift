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
    @OptionGroup var configuration: ConfigOptions
    @Option(name: .customLong("amqp-url"), help: "Broker URL (default: setting amqp.url, $CLOSEBELL_AMQP_URL).") var amqpURL: String?
    @Option(help: "Chunks a worker may hold unacknowledged (default: setting worker.prefetch).") var prefetch: Int?
    @Option(help: "Name prefix of the exchanges and queues (default: setting topology.prefix).") var topologyPrefix: String?
    @Option(help: "Redeliveries before the broker dead-letters a chunk (default: setting delivery.limit).") var deliveryLimit: Int?
    @Option(help: "Worker id in results and logs (default: host-pid).") var id: String?
    @Option(help: "Exit after this many chunks (0: never).") var maxChunks = 0
    @Option(help: "Log level: trace, debug, info, warning, error (default: setting log.level).") var logLevel: String?
    @Option(help: "Log format: text or json (default: setting log.format).") var logFormat: String?
    @Option(help: "AMQP heartbeat interval in seconds (default: setting worker.heartbeat_seconds).") var heartbeat: Int?
    @Option(help: "Port of /metrics, /healthz and /readyz (default: setting metrics.port; 0: off).") var metricsPort: Int?
    @Option(help: "Address the metrics server binds (default: setting metrics.host).") var metricsHost: String?
    @Option(help: "Seconds to finish the chunk in hand after SIGTERM (default: setting worker.grace_period_seconds).")
    var gracePeriod: Double?

    func run() async throws {
        let s: ClosebellSettings
        do { s = try await configuration.load(environment: ProcessInfo.processInfo.environment).1 } catch {
            fail("\(error)", code: ExitCodes.config)
        }
        var level = s.logLevel, format = s.logFormat
        if let logLevel {
            guard let l = Logger.Level(rawValue: logLevel) else { fail("--log-level \(logLevel): not a log level", code: 64) }
            level = l
        }
        if let logFormat {
            guard let f = LogFormat(rawValue: logFormat) else { fail("--log-format \(logFormat): use text or json", code: 64) }
            format = f
        }
        LogSetup.bootstrap(level: level, format: format)
        let url: AMQPURL
        do { url = try AMQPURL(amqpURL ?? s.amqpURL) } catch { fail("\(error)") }
        let topology = ClosebellTopology(prefix: topologyPrefix ?? s.topologyPrefix, deliveryLimit: deliveryLimit ?? s.deliveryLimit)
        var options = WorkerOptions(amqpURL: url, topology: topology, workerId: id ?? "\(ProcessInfo.processInfo.hostName)-\(getpid())")
        options.prefetch = prefetch ?? s.prefetch
        options.maxChunks = maxChunks
        options.faults = FaultInjection(environment: ProcessInfo.processInfo.environment)
        options.heartbeatSeconds = heartbeat ?? s.heartbeatSeconds
        let port = metricsPort ?? s.metricsPort
        guard (0...65_535).contains(port) else { fail("--metrics-port \(port): not a port", code: 64) }
        let grace = gracePeriod ?? s.gracePeriodSeconds
        guard grace > 0 else { fail("--grace-period \(grace): must be more than 0", code: 64) }

        var logger = Logger(label: "closebell.worker")
        logger[metadataKey: LogKey.worker] = "\(options.workerId)"
        let registry = MetricsSetup.bootstrap()
        let loop = WorkerLoop(options: options, logger: logger)
        let worker = ThreadService(name: "worker-loop", gracePeriod: .seconds(grace),
                                   body: { try loop.run() }, stop: { loop.requestStop() })
        var services = [ServiceGroupConfiguration.ServiceConfiguration(
            service: worker, successTerminationBehavior: .gracefullyShutdownGroup, failureTerminationBehavior: .gracefullyShutdownGroup)]
        if port > 0 {
            let http = HealthServer.application(host: metricsHost ?? s.metricsHost, port: port, registry: registry,
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
