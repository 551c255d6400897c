import ArgumentParser
import Foundation

/// `worker`: consumes chunks, computes features and predictions, publishes results.
struct WorkerCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "worker",
        abstract: "Closebell worker: features and model inference for chunks of symbols.",
        subcommands: []
    )
}
