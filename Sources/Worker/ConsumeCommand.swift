import ArgumentParser
import ClosebellCore
import ClosebellProtocol
import ClosebellWorker
import Foundation
import Logging

/// `worker consume` (the default): take chunks from RabbitMQ until SIGTERM.
struct Consume: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Consume chunks from RabbitMQ, predict, publish results (the default). SIGTERM finishes the chunk in hand, then exits.")
    @Option(name: .customLong("amqp-url"), help: "Broker URL (default: $CLOSEBELL_AMQP_URL).") var amqpURL: String?
    @Option(help: "Chunks a worker may hold unacknowledged.") var prefetch = 1
    @Option(help: "Name prefix of the exchanges and queues (default: $CLOSEBELL_TOPOLOGY_PREFIX or closebell).") var topologyPrefix: String?
    @Option(help: "Redeliveries before the broker dead-letters a chunk (must match the coordinator's).") var deliveryLimit: Int?
    @Option(help: "Worker id in results and logs (default: host-pid).") var id: String?
    @Option(help: "Exit after this many chunks (0: never).") var maxChunks = 0
    @Option(help: "Log level: trace, debug, info, warning, error.") var logLevel = "info"
    @Option(help: "AMQP heartbeat interval in seconds.") var heartbeat = 30

    func run() throws {
        LoggingSystem.bootstrap { label in
            var h = StreamLogHandler.standardError(label: label)
            h.logLevel = Logger.Level(rawValue: logLevel) ?? .info
            return h
        }
        let url: AMQPURL
        do { url = try AMQPURL(Settings.amqpURL(amqpURL)) } catch { fail("\(error)") }
        let topology = ClosebellTopology(prefix: topologyPrefix ?? Settings.env("CLOSEBELL_TOPOLOGY_PREFIX") ?? "closebell",
                                         deliveryLimit: deliveryLimit ?? Settings.env("CLOSEBELL_DELIVERY_LIMIT").flatMap { Int($0) } ?? 5)
        var options = WorkerOptions(amqpURL: url, topology: topology, workerId: id ?? "\(ProcessInfo.processInfo.hostName)-\(getpid())")
        options.prefetch = prefetch
        options.maxChunks = maxChunks
        options.heartbeatSeconds = heartbeat
        for sig in [SIGTERM, SIGINT] {
            signal(sig) { _ in workerStopRequested.store(true, ordering: .relaxed) }
        }
        do {
            try WorkerLoop(options: options).run()
        } catch {
            fail("\(error)")
        }
    }
}
