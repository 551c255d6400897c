import Foundation
import Synchronization

/// The model a symbol resolves to.
public enum ModelChoice: Sendable {
    case model(LoadedModel)
    /// No model for the symbol and no global model: mean of the last 20 returns.
    case fallback
}

/// A folder of models: `<root>/<SYMBOL>/model.{json,txt}` per symbol, `<root>/_global/model.{json,txt}`
/// for all symbols. Resolution per symbol: its own model, else the global one, else the fallback.
///
/// A symbol is opaque: its folder name is ``folderName(for:)``, which keeps letters, digits,
/// `-`, `.` and inner `_` and writes every other byte as `%XX`, so no symbol can name a path
/// outside its own folder (`..`, `a/b`) or the global model's (`_global`).
///
/// Loaded models are cached by path and validated by the file's identity (device, inode, size,
/// modification and change time): a file edited in place, even keeping its size and mtime, gets
/// a new change time and is loaded again, and the hash a prediction records is always the hash
/// of the bytes its model was parsed from. A model file that exists but cannot be loaded is an
/// error, never a silent fallback.
public final class ModelStore: Sendable {
    public let root: String
    public let engineNames: [String]
    let registry: FeatureRegistry
    private let cache = Mutex<[String: (stamp: FileStamp, result: Result<LoadedModel, ModelLoadError>)]>([:])

    public static let globalFolder = "_global"
    static let fileNames = ["model.json", "model.txt"]

    public init(root: String, engineNames: [String] = FeatureRegistry.standard.names, registry: FeatureRegistry = .standard) {
        self.root = root
        self.engineNames = engineNames
        self.registry = registry
    }

    /// The folder of a symbol's own model: the symbol with unsafe bytes written as `%XX`.
    public static func folderName(for symbol: String) -> String {
        func safe(_ i: Int, _ b: UInt8) -> Bool {
            (0x30...0x39).contains(b) || (0x41...0x5A).contains(b) || (0x61...0x7A).contains(b)
                || b == 0x2D || (b == 0x2E && i > 0) || (b == 0x5F && i > 0)
        }
        if !symbol.isEmpty, symbol.utf8.enumerated().allSatisfy(safe) { return symbol }  // most symbols
        var out = ""
        for (i, b) in symbol.utf8.enumerated() {
            if safe(i, b) { out.unicodeScalars.append(UnicodeScalar(b)) } else {
                out += "%" + String(b, radix: 16, uppercase: true).leftPadded(2)
            }
        }
        return out
    }

    /// The model file in a folder of the store, if one exists (model.json before model.txt).
    func file(in folder: String) -> String? {
        for f in ModelStore.fileNames {
            let p = (root as NSString).appendingPathComponent("\(folder)/\(f)")
            if FileStamp(path: p) != nil { return p }
        }
        return nil
    }

    /// Resolves a symbol's model. Throws ``ModelLoadError`` when the file it resolves to is unusable.
    public func resolve(symbol: String) throws -> ModelChoice {
        try Resolver(self, listing: false).resolve(symbol: symbol)
    }

    /// Resolves symbols as ``resolve(symbol:)`` does, for one chunk: the store's folders are listed
    /// once, and the global model (for every symbol without a folder) is found once. A model
    /// added while the chunk is computed is seen from the next chunk on.
    public func resolver() -> Resolver { Resolver(self, listing: true) }

    /// See ``resolver()``; used on one thread.
    public final class Resolver {
        let store: ModelStore
        /// The store's folders when the resolver was made (nil: not listed, or unreadable; then
        /// every symbol's folder is tried).
        let folders: Set<String>?
        private var global: Result<ModelChoice, Error>?

        init(_ store: ModelStore, listing: Bool) {
            self.store = store
            folders = listing ? (try? FileManager.default.contentsOfDirectory(atPath: store.root)).map(Set.init) : nil
        }

        /// The symbol's own model, else the global one, else the fallback.
        public func resolve(symbol: String) throws -> ModelChoice {
            let folder = ModelStore.folderName(for: symbol)
            if folders?.contains(folder) ?? true, let path = store.file(in: folder) { return .model(try store.load(path)) }
            if global == nil {
                global = Result { try store.file(in: ModelStore.globalFolder).map { .model(try store.load($0)) } ?? .fallback }
            }
            return try global!.get()
        }
    }

    /// Loads (or returns the cached) model at `path`.
    public func load(_ path: String) throws -> LoadedModel {
        let stamp = FileStamp(path: path)
        if let stamp, let hit = cache.withLock({ $0[path] }), hit.stamp == stamp { return try hit.result.get() }
        let result: Result<LoadedModel, ModelLoadError>
        do { result = .success(try ModelLoader.load(path: path, engineNames: engineNames, registry: registry)) } catch let e as ModelLoadError {
            result = .failure(e)
        }
        // Cache only when the file did not change while it was read.
        if let stamp, FileStamp(path: path) == stamp { cache.withLock { $0[path] = (stamp, result) } }
        return try result.get()
    }

    /// Models loaded and cached so far.
    public var cachedModels: Int { cache.withLock { $0.count } }

    /// What a model store folder holds, for refusing a run that would fall back everywhere.
    public enum Inventory: Sendable, Equatable { case missing, empty, models }

    /// Whether `root` exists and holds at least one model file (global or per symbol).
    public static func inventory(root: String) -> Inventory {
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: root, isDirectory: &isDir), isDir.boolValue else { return .missing }
        let store = ModelStore(root: root)
        if store.file(in: globalFolder) != nil { return .models }
        let folders = (try? FileManager.default.contentsOfDirectory(atPath: root)) ?? []
        return folders.contains { store.file(in: $0) != nil } ? .models : .empty
    }
}

/// A file's identity for cache validation: any write changes `ctime`, a replacement the inode.
struct FileStamp: Equatable, Sendable {
    let device: UInt64, inode: UInt64, size: Int64
    let mtime: timespec, ctime: timespec

    init?(path: String) {
        var st = stat()
        guard stat(path, &st) == 0, (st.st_mode & S_IFMT) == S_IFREG else { return nil }
        device = UInt64(st.st_dev)
        inode = UInt64(st.st_ino)
        size = Int64(st.st_size)
        mtime = st.st_mtim
        ctime = st.st_ctim
    }

    static func == (a: FileStamp, b: FileStamp) -> Bool {
        a.device == b.device && a.inode == b.inode && a.size == b.size
            && a.mtime.tv_sec == b.mtime.tv_sec && a.mtime.tv_nsec == b.mtime.tv_nsec
            && a.ctime.tv_sec == b.ctime.tv_sec && a.ctime.tv_nsec == b.ctime.tv_nsec
    }
}
