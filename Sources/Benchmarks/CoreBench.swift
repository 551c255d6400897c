import ArgumentParser
struct CoreBench: ParsableCommand { static let configuration = CommandConfiguration(commandName: "core") }
