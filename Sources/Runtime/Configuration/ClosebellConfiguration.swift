import ClosebellCore
import Configuration
import Foundation
import SystemPackage

/// Closebell's configuration, one home for every setting: the environment (`CLOSEBELL_…`, and
/// `…_FILE` for secrets, the Docker secrets convention) over the YAML file over the built-in
/// defaults. Flags, where a command has them, go over all three (the command applies them).
/// Secrets (the database and broker URLs) never come from the file and are never printed.
public struct ClosebellConfiguration: Sendable {
    /// One source of values, highest precedence first.
    struct Layer: Sendable {
        let name: String
        let provider: any ConfigProvider
        var reader: ConfigReader { ConfigReader(provider: provider) }
    }

    let layers: [Layer]
    /// The whole stack, as one reader.
    public let reader: ConfigReader
    /// The configuration file read, if any.
    public let file: String?

    /// A configuration that cannot be used: what is wrong, and where.
    public struct Problem: Error, CustomStringConvertible, Sendable {
        public let description: String
    }

    /// Loads the stack. `file` is the `--config` flag; without it, `$CLOSEBELL_CONFIG`, else
    /// `config/closebell.yaml` when it exists.
    public static func load(file flag: String? = nil, environment: [String: String]) async throws -> Self {
        var layers: [Layer] = []
        let secretVariables = SettingKeys.all.filter(\.secret).map(\.environmentVariable)
        let env = environment.filter { !$0.value.isEmpty }
        let envProvider = EnvironmentVariablesProvider(environmentVariables: env, secretsSpecifier: .specific(Set(secretVariables)))
        layers.append(Layer(name: "environment", provider: envProvider.prefixKeys(with: ["closebell"])))
        var fromFiles: [AbsoluteConfigKey: ConfigValue] = [:]
        for key in SettingKeys.all where key.secret {
            guard let path = env[key.environmentVariable + "_FILE"] else { continue }
            guard let data = FileManager.default.contents(atPath: path) else {
                throw Problem(description: "\(key.environmentVariable)_FILE: cannot read \(path)")
            }
            let value = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
            fromFiles[AbsoluteConfigKey(key.key.split(separator: ".").map(String.init))] = ConfigValue(.string(value), isSecret: true)
        }
        layers.append(Layer(name: "secret file", provider: InMemoryProvider(name: "files", values: fromFiles)))
        let path = flag ?? env["CLOSEBELL_CONFIG"] ?? (FileManager.default.fileExists(atPath: "config/closebell.yaml")
                                                       ? "config/closebell.yaml" : nil)
        if let path {
            guard FileManager.default.fileExists(atPath: path) else { throw Problem(description: "config file \(path) does not exist") }
            let provider: FileProvider<YAMLSnapshot>
            do { provider = try await FileProvider<YAMLSnapshot>(filePath: FilePath(path)) } catch {
                throw Problem(description: "config file \(path): \(error)")
            }
            let layer = Layer(name: path, provider: provider)
            let reader = layer.reader
            for key in SettingKeys.all where key.secret {
                if let v = reader.string(forKey: ConfigKey(key.key), isSecret: true), Redaction.redact(v) != v {
                    throw Problem(description: "config file \(path): \(key.key) carries a password; secrets come only from "
                                  + "\(key.environmentVariable) or \(key.environmentVariable)_FILE")
                }
            }
            layers.append(layer)
        }
        var defaults: [AbsoluteConfigKey: ConfigValue] = [:]
        for key in SettingKeys.all {
            let content: ConfigContent
            switch key.kind {
            case .string: content = .string(key.defaultValue)
            case .int: content = .int(Int(key.defaultValue)!)
            case .double: content = .double(Double(key.defaultValue)!)
            case .intList: content = .intArray(key.defaultValue.split(separator: ",").map { Int($0)! })
            }
            defaults[AbsoluteConfigKey(key.key.split(separator: ".").map(String.init))] = ConfigValue(content, isSecret: key.secret)
        }
        layers.append(Layer(name: "default", provider: InMemoryProvider(name: "defaults", values: defaults)))
        return Self(layers: layers, reader: ConfigReader(providers: layers.map(\.provider)), file: path)
    }

    init(layers: [Layer], reader: ConfigReader, file: String?) {
        self.layers = layers
        self.reader = reader
        self.file = file
    }

    /// A setting's value as text (a list comma-separated), and the layer it came from; nil when
    /// it is set nowhere or cannot be read as its kind.
    func lookup(_ key: SettingKey, in reader: ConfigReader) -> String? {
        let k = ConfigKey(key.key)
        switch key.kind {
        case .string: return reader.string(forKey: k, isSecret: key.secret)
        case .int: return reader.int(forKey: k).map(String.init)
        case .double: return reader.double(forKey: k).map { "\($0)" }
        case .intList: return reader.intArray(forKey: k).map { $0.map(String.init).joined(separator: ",") }
        }
    }

    /// Every setting's effective value (secrets redacted) and where it came from.
    public func explain() -> [(key: SettingKey, value: String, source: String)] {
        SettingKeys.all.map { key in
            for layer in layers {
                // A value of the wrong kind still comes from this layer (and is reported as such).
                guard let v = lookup(key, in: layer.reader) ?? layer.reader.string(forKey: ConfigKey(key.key), isSecret: key.secret)
                else { continue }
                let source = layer.name == "environment" ? "environment (\(key.environmentVariable))"
                    : layer.name == "secret file" ? "file named by \(key.environmentVariable)_FILE" : layer.name
                return (key, key.secret ? Redaction.redact(v) : v, source)
            }
            return (key, "", "unset")
        }
    }
}
