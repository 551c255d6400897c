import ArgumentParser
import ClosebellCoordinator
import ClosebellCore
import ClosebellProtocol
import ClosebellRuntime
import ClosebellStorage
import Foundation
import Logging

/// Options for subcommands that talk to the broker.
struct BrokerOptions: ParsableArguments {
    @Option(name: .customLong("amqp-url"), help: "Broker URL (default: $CLOSEBELL_AMQP_URL).") var amqpURL: String?
    @Option(help: "Name prefix of exchanges and queues (default: $CLOSEBELL_TOPOLOGY_PREFIX or closebell).") var topologyPrefix: String?
    @Option(help: "Redeliveries before the broker dead-letters a chunk (default: $CLOSEBELL_DELIVERY_LIMIT or 5).") var deliveryLimit: Int?

    func url() -> AMQPURL {
        do { return try AMQPURL(Settings.amqpURL(amqpURL)) } catch { fail("\(error)") }
    }

    var topology: ClosebellTopology {
        ClosebellTopology(prefix: topologyPrefix ?? Settings.env("CLOSEBELL_TOPOLOGY_PREFIX") ?? "closebell",
                          deliveryLimit: deliveryLimit ?? Settings.env("CLOSEBELL_DELIVERY_LIMIT").flatMap { Int($0) } ?? 5)
    }
}

/// The one logging bootstrap, at info level, in `$CLOSEBELL_LOG_FORMAT` (text, the default, or json).
func bootstrapLogging() {
    let format = Settings.env("CLOSEBELL_LOG_FORMAT").flatMap(LogFormat.init(rawValue:)) ?? .text
    LogSetup.bootstrap(level: .info, format: format)
}
