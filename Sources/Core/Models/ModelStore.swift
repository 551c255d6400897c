import Foundation

/// The model a symbol resolves to.
public enum ModelChoice: Sendable {
    case model(LoadedModel)
    /// No model for the symbol and no global model: mean of the last 20 returns.
    case fallback
}

/// A folder of models: `<root>/<SYMBOL>/model.{json,txt}` per symbol, `<root>/_global/model.{json,txt}`
/// for all symbols. Resolution per symbol: its own model, else the global one, else the fallback.
/// Loaded models are cached (keyed by path, size and modification time), so a worker reads
/// each file once; a model file that exists but cannot be loaded is an error, never a silent fallback.
public final class ModelStore: @unchecked Sendable {
    public let root: String
    public let engineNames: [String]
    let registry: FeatureRegistry
    private let lock = NSLock()
    private var cache: [String: (stamp: String, result: Result<LoadedModel, ModelLoadError>)] = [:]

    public static let globalFolder = "_global"
    static let fileNames = ["model.json", "model.txt"]

    public init(root: String, engineNames: [String] = FeatureRegistry.standard.names, registry: FeatureRegistry = .standard) {
        self.root = root
        self.engineNames = engineNames
        self.registry = registry
    }

    /// The model file for a folder name, if one exists (model.json before model.txt).
    func file(in folder: String) -> String? {
        guard !folder.isEmpty, !folder.contains("/"), folder != ".", folder != ".." else { return nil }
        for f in ModelStore.fileNames {
            let p = (root as NSString).appendingPathComponent("\(folder)/\(f)")
            if FileManager.default.fileExists(atPath: p) { return p }
        }
        return nil
    }

    /// Resolves a symbol's model. Throws ``ModelLoadError`` when the file it resolves to is unusable.
    public func resolve(symbol: String) throws -> ModelChoice {
        guard let path = file(in: symbol) ?? file(in: ModelStore.globalFolder) else { return .fallback }
        return .model(try load(path))
    }

    /// Loads (or returns the cached) model at `path`.
    public func load(_ path: String) throws -> LoadedModel {
        let attrs = try? FileManager.default.attributesOfItem(atPath: path)
        let stamp = "\((attrs?[.size] as? NSNumber)?.intValue ?? -1):\((attrs?[.modificationDate] as? Date)?.timeIntervalSince1970 ?? 0)"
        lock.lock()
        if let hit = cache[path], hit.stamp == stamp { lock.unlock(); return try hit.result.get() }
        lock.unlock()
        let result: Result<LoadedModel, ModelLoadError>
        do { result = .success(try ModelLoader.load(path: path, engineNames: engineNames, registry: registry)) } catch let e as ModelLoadError {
            result = .failure(e)
        }
        lock.lock()
        cache[path] = (stamp, result)
        lock.unlock()
        return try result.get()
    }
}
