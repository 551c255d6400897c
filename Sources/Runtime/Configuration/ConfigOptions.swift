import ArgumentParser

/// The `--config` flag every command that reads configuration has.
public struct ConfigOptions: ParsableArguments {
    @Option(help: "Configuration file (default: $CLOSEBELL_CONFIG, else config/closebell.yaml when it exists).")
    public var config: String?

    public init() {}

    /// The configuration and its typed settings, from `environment`; throws a
    /// ``ClosebellConfiguration/Problem`` (the app exits with ``ExitCodes/config``).
    public func load(environment: [String: String]) async throws -> (ClosebellConfiguration, ClosebellSettings) {
        let c = try await ClosebellConfiguration.load(file: config, environment: environment)
        return (c, try ClosebellSettings(c))
    }
}
