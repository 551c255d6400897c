import ClosebellCore
import ClosebellProtocol
import ClosebellStorage

/// Checks a decoded result against its chunk as the ledger knows it, before anything is
/// written: a result must account for exactly the chunk's symbols, each once, with finite
/// values, plausible target dates, known stages, and model files inside the run's model store.
/// Anything else is refused with the reason (and counted as a failed attempt of the chunk).
public enum ResultValidator {
    /// Stages a worker may report a symbol failing at.
    public static let stages: Set<String> = ["data", "features", "model", "predict"]
    /// How far after the as-of date a target date may be (a long holiday, a sparse calendar).
    public static let maxTargetGapDays = 31

    /// The reason to refuse `result`, or nil when it fits `chunk`; `modelStore` is the run's
    /// (nil: read from the chunk's stored request).
    public static func problem(with result: ResultMessage, for chunk: ChunkContext, modelStore: String? = nil) -> String? {
        guard result.asOf == chunk.asOf else { return "as-of date \(result.asOf) is not the run's \(chunk.asOf)" }
        guard result.attempt <= chunk.attempts else {
            return "attempt \(result.attempt) was never published (the chunk is at attempt \(chunk.attempts))"
        }
        guard !result.worker.isEmpty else { return "no worker name" }
        if let why = coverage(of: result, for: chunk) { return why }
        let store = modelStore ?? RunRequest.stored(chunk.config)?.modelStore
        // A chunk's predictions mostly name one model (a global one) or a few: each (path, hash)
        // is checked once, the values and dates of every prediction.
        // The last one checked is compared first: decoded, equal paths share their storage.
        var modelsChecked: Set<ModelIdentity> = [], last: ModelIdentity?
        for p in result.predictions {
            if let why = problem(with: p, asOf: p.day) { return "\(shown(p.symbol)): \(why)" }
            guard p.model != last, !modelsChecked.contains(p.model) else { continue }
            if let why = problem(with: p.model, modelStore: store) { return "\(shown(p.symbol)): \(why)" }
            modelsChecked.insert(p.model)
            last = p.model
        }
        for f in result.failures {
            guard stages.contains(f.stage) else { return "\(shown(f.symbol)): unknown failure stage '\(shown(f.stage))'" }
            guard !f.error.isEmpty else { return "\(shown(f.symbol)): failure without a reason" }
        }
        for k in result.skips where k.reason.isEmpty { return "\(shown(k.symbol)): skip without a reason" }
        return nil
    }

    /// Whether the result accounts for exactly the chunk's entries, each once: each symbol on
    /// the as-of day (daily), or on each of its trading days in the range (backfill).
    static func coverage(of result: ResultMessage, for chunk: ChunkContext) -> String? {
        var open = chunk.expected.mapValues(Set.init)
        // Entries come symbol by symbol: the current symbol's open days are taken out of `open`
        // (one lookup per symbol, not two per entry) and put back when the next symbol comes.
        var current: String?, openDays: Set<Day> = []
        func check(_ symbol: String, _ day: Day) -> String? {
            if symbol != current {
                if let c = current { open[c] = openDays }
                guard let d = open.removeValue(forKey: symbol) else {
                    current = nil
                    return "symbol '\(shown(symbol))' is not in chunk \(chunk.chunkNo)"
                }
                current = symbol
                openDays = d
            }
            guard openDays.remove(day) == nil else { return nil }
            let asked = chunk.expected[symbol]!.contains(day)
            if chunk.firstDay == nil {
                return asked ? "symbol '\(shown(symbol))' is reported twice" : "day \(day) is not the run's \(chunk.asOf)"
            }
            return "'\(shown(symbol))' on \(day) is " + (asked ? "reported twice" : "not a day of the chunk")
        }
        for p in result.predictions { if let why = check(p.symbol, p.day) { return why } }
        for f in result.failures { if let why = check(f.symbol, f.day) { return why } }
        for k in result.skips { if let why = check(k.symbol, k.day) { return why } }
        if let c = current { open[c] = openDays }
        let missing = open.filter { !$0.value.isEmpty }
        guard let (symbol, days) = missing.min(by: { $0.key < $1.key }) else { return nil }
        let count = missing.values.reduce(0) { $0 + $1.count }
        if chunk.firstDay == nil {
            return "\(count) symbol(s) of the chunk are missing from the result, e.g. '\(shown(symbol))'"
        }
        return "\(count) entries of the chunk are missing from the result, e.g. '\(shown(symbol))' on \(days.min()!)"
    }

    /// The value and target date of one prediction.
    static func problem(with p: ResultMessage.Item, asOf: Day) -> String? {
        guard p.value.isFinite else { return "predicted value \(p.value) is not finite" }
        guard p.target > asOf, p.target.daysSinceEpoch - asOf.daysSinceEpoch <= maxTargetGapDays else {
            return "target date \(p.target) is not within \(maxTargetGapDays) days after \(asOf)"
        }
        return nil
    }

    /// The model a prediction names: a fallback names no file; any other model a file of the store.
    static func problem(with model: ModelIdentity, modelStore: String?) -> String? {
        if model.kind == .fallback {
            guard model.path == nil, model.hash == nil else { return "a fallback names a model file" }
            return nil
        }
        guard let path = model.path, let hash = model.hash else {
            return "a \(model.kind.rawValue) model without path or hash"
        }
        guard hash.utf8.count == 64, hash.utf8.allSatisfy({ (0x30...0x39).contains($0) || (0x61...0x66).contains($0) }) else {
            return "model hash '\(shown(hash))' is not a SHA-256 in hex"
        }
        let parts = path.split(separator: "/", omittingEmptySubsequences: false)
        guard let file = parts.last, ["model.json", "model.txt"].contains(file), !parts.contains("..") else {
            return "model path '\(shown(path))' is not a model file of the store"
        }
        if let store = modelStore {
            let root = store.hasSuffix("/") ? store : store + "/"
            guard path.hasPrefix(root), parts.count >= 2 else {
                return "model path '\(shown(path))' is outside the run's model store \(store)"
            }
        }
        return nil
    }

    static func shown(_ s: String) -> String { RawText.display(s, limit: 64) }
}
