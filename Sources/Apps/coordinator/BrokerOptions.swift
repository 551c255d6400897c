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
    @Option(name: .customLong("amqp-url"), help: "Broker URL (default: setting amqp.url, $CLOSEBELL_AMQP_URL).") var amqpURL: String?
    @Option(help: "Name prefix of exchanges and queues (default: setting topology.prefix).") var topologyPrefix: String?
    @Option(help: "Redeliveries before the broker dead-letters a chunk (default: setting delivery.limit).") var deliveryLimit: Int?

    func url() -> AMQPURL {
        do { return try AMQPURL(amqpURL ?? AppConfiguration.settings.amqpURL) } catch { fail("\(error)") }
    }

    var topology: ClosebellTopology {
        let s = AppConfiguration.settings
        return ClosebellTopology(prefix: topologyPrefix ?? s.topologyPrefix, deliveryLimit: deliveryLimit ?? s.deliveryLimit)
    }
}

/// The one logging bootstrap, at the configured level and format (settings log.level, log.format).
func bootstrapLogging() {
    let s = AppConfiguration.settings
    LogSetup.bootstrap(level: s.logLevel, format: s.logFormat)
}
