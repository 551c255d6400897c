import ArgumentParser
import Foundation

/// `worker`: consumes chunks, computes features and predictions, publishes results.
@main
struct WorkerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "worker",
        abstract: "Closebell worker: features and model inference for chunks of symbols.",
        discussion: """
            With no subcommand, `worker` consumes chunks from RabbitMQ ($CLOSEBELL_AMQP_URL) until \
            SIGTERM, finishing the chunk in hand. The other subcommands work offline, on daily CSV \
            files, with no broker or database.
            """,
        subcommands: [Consume.self, Features.self, Predict.self, Train.self],
        defaultSubcommand: Consume.self)
}

/// Prints one error line to stderr and exits.
func fail(_ message: String, code: Int32 = 1) -> Never {
    FileHandle.standardError.write(Data("error: \(message)\n".utf8))
    exit(code)
}

func note(_ message: String) {
    FileHandle.standardError.write(Data("\(message)\n".utf8))
}
