import ArgumentParser

/// `closebell-bench`: release-mode benchmarks that print numbers (never timed tests).
struct Bench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "closebell-bench",
        abstract: "Closebell benchmarks. Build with -c release.",
        subcommands: [TransportBench.self, CoreBench.self, ProtocolBench.self, IngestBench.self, ModelLoadBench.self,
                      DashboardBench.self])
}

Bench.main()
