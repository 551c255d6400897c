import ArgumentParser
import ClosebellCoordinator
import ClosebellCore
import ClosebellProtocol
import ClosebellRuntime
import ClosebellStorage
import Foundation
import Logging

/// `coordinator cancel`: stops a run; workers skip its chunks.
struct Cancel: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Cancel a run: open chunks are cancelled, workers skip them, the run ends `cancelled`.")
    @OptionGroup var db: DatabaseOptions
    @OptionGroup var broker: BrokerOptions
    @Argument(help: "Run id.") var runId: Int64

    func run() async throws {
        await AppConfiguration.load(db.configuration)
        try await onOwnThread {
            let conn: PGConnection
            do { conn = try db.connect() } catch { fail("\(error)") }
            guard try RunLedger(db: conn).cancel(runId) else {
                let status = try RunLedger(db: conn).run(runId)?.status.rawValue ?? "unknown"
                fail("run \(runId) is \(status); nothing to cancel")
            }
            do {
                let t = broker.topology
                let c = try AMQPConnection(url: broker.url())
                try t.topology.declare(on: c)
                try c.enableConfirms(channel: ClosebellChannels.publish)
                try c.publish(channel: ClosebellChannels.publish, exchange: t.controlExchange, routingKey: "",
                              body: CancelMessage(runId: runId).encode(),
                              properties: .init(type: WireFormat.Kind.cancel.typeName), mandatory: false)
                try c.waitForConfirms(channel: ClosebellChannels.publish)
            } catch {
                print("warning: run \(runId) is cancelled in the ledger, but workers could not be told: \(error)")
            }
            print("run \(runId) cancelled")
        }
    }
}
