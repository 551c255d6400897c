import ArgumentParser
import ClosebellRuntime
import Foundation

/// `coordinator config`: the effective configuration, where each value came from, secrets redacted.
struct ConfigCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "config",
        abstract: "Print the effective configuration and where each value came from (secrets redacted).",
        discussion: """
            Precedence: a command's flag > environment (CLOSEBELL_…, and …_FILE for secrets) > the \
            configuration file (--config, $CLOSEBELL_CONFIG or config/closebell.yaml) > the built-in default.
            """)
    @OptionGroup var options: ConfigOptions

    func run() async throws {
        let (config, _) = await AppConfiguration.load(options)
        print("configuration file: \(config.file ?? "none")")
        let rows = config.explain()
        let width = rows.map(\.key.key.count).max() ?? 0
        for r in rows {
            let shown = r.key.secret && !r.value.isEmpty ? r.value : (r.value.isEmpty ? "\"\"" : r.value)
            print(r.key.key.padding(toLength: width, withPad: " ", startingAt: 0) + "  " + shown + "    [" + r.source + "]")
        }
    }
}
