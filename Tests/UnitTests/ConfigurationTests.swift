import ClosebellRuntime
import Foundation
import Testing

/// One home for configuration: flag > environment > file > default, secrets only from the
/// environment or `…_FILE`, every problem naming the key and where the value came from.
@Suite("Configuration: precedence, secrets, problems")
struct ConfigurationTests {
    func temp(_ name: String, _ text: String) throws -> String {
        let dir = NSTemporaryDirectory() + "closebell-config-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        try text.write(toFile: "\(dir)/\(name)", atomically: true, encoding: .utf8)
        return "\(dir)/\(name)"
    }

    static let repositoryFile = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("config/closebell.yaml").path

    @Test("environment over file over default, and explain() names each source")
    func precedence() async throws {
        let file = try temp("c.yaml", "run:\n  chunk_size: 20\n  max_attempts: 7\nmarket:\n  trading_weekdays: [1, 2, 3, 4, 5]\n")
        let c = try await ClosebellConfiguration.load(file: file, environment: ["CLOSEBELL_RUN_CHUNK_SIZE": "9"])
        let s = try ClosebellSettings(c)
        #expect(s.chunkSize == 9)
        #expect(s.maxAttempts == 7)
        #expect(s.timeoutSeconds == 120)
        #expect(s.tradingWeekdays == [1, 2, 3, 4, 5])
        let sources = Dictionary(uniqueKeysWithValues: c.explain().map { ($0.key.key, $0.source) })
        #expect(sources["run.chunk_size"] == "environment (CLOSEBELL_RUN_CHUNK_SIZE)")
        #expect(sources["run.max_attempts"] == file)
        #expect(sources["run.timeout_seconds"] == "default")
    }

    @Test("the shipped config/closebell.yaml lists every setting and equals the built-in defaults")
    func shippedFile() async throws {
        let text = try String(contentsOfFile: Self.repositoryFile, encoding: .utf8)
        for key in SettingKeys.all {
            let leaf = String(key.key.split(separator: ".").last!)
            #expect(text.contains(leaf + ":"), "\(key.key) is not listed in config/closebell.yaml")
        }
        let fromFile = try ClosebellSettings(try await ClosebellConfiguration.load(file: Self.repositoryFile, environment: [:]))
        let fromDefaults = try ClosebellSettings(try await ClosebellConfiguration.load(
            file: try temp("empty.yaml", "{}\n"), environment: [:]))
        #expect("\(fromFile)" == "\(fromDefaults)")
    }

    @Test("secrets come from the environment or …_FILE, never from the file, and are never shown")
    func secrets() async throws {
        let secret = try temp("db-url", "postgresql://closebell:Fil3-Secr3t@db:5432/closebell\n")
        let c = try await ClosebellConfiguration.load(file: try temp("c.yaml", "{}\n"),
                                                     environment: ["CLOSEBELL_DATABASE_URL_FILE": secret,
                                                                   "CLOSEBELL_AMQP_URL": "amqp://w:Env-Secr3t@mq:5672/%2F"])
        let s = try ClosebellSettings(c)
        #expect(s.databaseURL == "postgresql://closebell:Fil3-Secr3t@db:5432/closebell")
        #expect(s.amqpURL == "amqp://w:Env-Secr3t@mq:5672/%2F")
        let shown = c.explain().map { "\($0.key.key) \($0.value) \($0.source)" }.joined(separator: "\n")
        #expect(!shown.contains("Secr3t"), "\(shown)")
        #expect(shown.contains("CLOSEBELL_DATABASE_URL_FILE"))
        let inFile = try temp("bad.yaml", "database:\n  url: postgresql://u:In-File-Secr3t@db/x\n")
        let e = await #expect(throws: ClosebellConfiguration.Problem.self) {
            try await ClosebellConfiguration.load(file: inFile, environment: [:])
        }
        #expect(e?.description.contains("database.url carries a password") == true)
        #expect(e?.description.contains("Secr3t") == false)
    }

    @Test("a bad value names the key and where it came from", arguments: [
        ("run:\n  chunk_size: -1\n", [:], "setting run.chunk_size (from "),
        ("{}\n", ["CLOSEBELL_RUN_CHUNK_SIZE": "lots"], "setting run.chunk_size (from environment (CLOSEBELL_RUN_CHUNK_SIZE)): not an integer"),
        ("log:\n  format: xml\n", [:], "setting log.format"),
        ("market:\n  trading_weekdays: [7]\n", [:], "setting market.trading_weekdays"),
        ("metrics:\n  port: 70000\n", [:], "70000 is outside 0…65535"),
    ] as [(String, [String: String], String)])
    func badValues(yaml: String, env: [String: String], expected: String) async throws {
        let c = try await ClosebellConfiguration.load(file: try temp("c.yaml", yaml), environment: env)
        let e = #expect(throws: ClosebellConfiguration.Problem.self) { try ClosebellSettings(c) }
        #expect(e?.description.contains(expected) == true, "\(e?.description ?? "")")
    }

    @Test("a missing config file or unreadable secret file is one clear error")
    func missingFiles() async throws {
        let a = await #expect(throws: ClosebellConfiguration.Problem.self) {
            try await ClosebellConfiguration.load(file: "/nonexistent/closebell.yaml", environment: [:])
        }
        #expect(a?.description.contains("/nonexistent/closebell.yaml does not exist") == true)
        let b = await #expect(throws: ClosebellConfiguration.Problem.self) {
            try await ClosebellConfiguration.load(file: try temp("c.yaml", "{}\n"), environment: ["CLOSEBELL_AMQP_URL_FILE": "/nope"])
        }
        #expect(b?.description.contains("CLOSEBELL_AMQP_URL_FILE: cannot read /nope") == true)
    }
}
