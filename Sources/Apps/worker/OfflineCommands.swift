import ArgumentParser
import ClosebellCore
import Foundation

/// Loads daily files, reporting rejects and unreadable files on stderr.
func loadHistory(_ data: [String]) -> MarketHistory {
    do {
        let h = try MarketHistory.load(data)
        for e in h.fileErrors { note("skipped \(e)") }
        if !h.rejects.isEmpty { note("\(h.rejects.count) rows rejected (first: \(h.rejects[0].file):\(h.rejects[0].line): \(h.rejects[0].reason))") }
        return h
    } catch { fail("\(error)") }
}

struct Features: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Write every feature row that survives dropna: Symbol,Date,<features in registry order>.")
    @Option(help: "Folder(s) or file(s) of daily CSVs.") var data: [String]
    @Option(help: "Output CSV.") var out: String

    func run() throws {
        let h = loadHistory(data)
        let engine = FeatureEngine()
        let w = try CSVWriter(path: out)
        w.row(["Symbol", "Date"] + engine.names)
        var rows = 0
        for sym in h.symbols {
            let m = engine.compute(h.series[sym]!)
            for r in m.completeRows {
                w.row([sym, m.days[r].description] + m.row(r).map(CSVWriter.number))
                rows += 1
            }
        }
        w.close()
        note("wrote \(rows) feature rows for \(h.series.count) symbols to \(out)")
    }
}

struct Predict: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Predict offline from daily files (--data) or score a feature CSV (--features).",
        discussion: """
            --data DIR --date D: every symbol with a row on D, from its history up to D.
            --data DIR --all-dates: every date of every symbol whose features are complete.
            --features FILE: score given feature vectors (columns by name; NaN or empty = missing); \
            the output repeats every input column and adds Prediction,ModelKind,ModelHash,Fallback.
            """)
    @Option(help: "Folder(s) or file(s) of daily CSVs.") var data: [String] = []
    @Option(help: "A feature CSV to score instead of daily files.") var features: String?
    @Option(help: "Model store folder (<SYMBOL>/model.*, _global/model.*).") var models: String
    @Option(help: "As-of date YYYY-MM-DD.") var date: String?
    @Flag(help: "Predict every date.") var allDates = false
    @Option(help: "Output CSV.") var out: String
    @Option(help: "Weekdays the market trades (0 = Sunday, comma-separated), for target dates.") var tradingWeekdays = "0,1,2,3,4"

    func validate() throws {
        if features == nil && data.isEmpty { throw ValidationError("give --data or --features") }
        if features != nil && !data.isEmpty { throw ValidationError("give --data or --features, not both") }
        if features == nil && (date == nil) == !allDates { throw ValidationError("with --data, give exactly one of --date or --all-dates") }
        if let date, Day(iso: date) == nil { throw ValidationError("--date '\(date)' is not YYYY-MM-DD") }
        if calendar == nil { throw ValidationError("--trading-weekdays '\(tradingWeekdays)': weekdays 0 (Sunday) … 6, comma-separated") }
    }

    var calendar: TradingCalendar? {
        let days = tradingWeekdays.split(separator: ",").map { Int($0.trimmingCharacters(in: .whitespaces)) }
        guard !days.isEmpty, days.allSatisfy({ $0.map((0...6).contains) == true }) else { return nil }
        return TradingCalendar(weekdays: Set(days.compactMap { $0 }))
    }

    func run() throws {
        let store = ModelStore(root: models)
        if let features { return try scoreFeatures(features, store: store) }
        let h = loadHistory(data)
        let predictor = Predictor(store: store, calendar: calendar!)
        let w = try CSVWriter(path: out)
        w.row(["Symbol", "Date", "Prediction", "ModelKind", "ModelHash", "Fallback"])
        var ok = 0
        var failures: [String: Int] = [:]
        var firstFailure: [String: String] = [:]
        for sym in h.symbols {
            let s = h.series[sym]!
            let days = allDates ? s.days : [Day(iso: date!)!]
            for d in days {
                if !allDates && s.index(of: d) == nil { continue }
                switch predictor.predict(s, asOf: d) {
                case .success(let p):
                    w.row([sym, d.description, CSVWriter.number(p.value), p.model.kind.rawValue, p.model.hash ?? "", p.isFallback ? "true" : "false"])
                    ok += 1
                case .failure(let f):
                    if allDates && f.stage == "features" { continue }  // dropna rows are not failures here
                    failures[f.stage, default: 0] += 1
                    if firstFailure[f.stage] == nil { firstFailure[f.stage] = "\(sym): \(f.error)" }
                }
            }
        }
        w.close()
        note("wrote \(ok) predictions to \(out)")
        for (stage, n) in failures.sorted(by: { $0.key < $1.key }) {
            note("\(n) symbols failed at \(stage) (first: \(firstFailure[stage]!))")
        }
    }

    func scoreFeatures(_ path: String, store: ModelStore) throws {
        let table: CSVTable
        do { table = try CSVTable.read(path: path) } catch { fail("\(error)") }
        guard let symCol = table.header.firstIndex(of: "Symbol") else { fail("\(path): no Symbol column") }
        let engineNames = store.engineNames
        let colOf = engineNames.map { table.header.firstIndex(of: $0) }
        let w = try CSVWriter(path: out)
        w.row(table.header + ["Prediction", "ModelKind", "ModelHash", "Fallback"])
        var row = [Double](repeating: .nan, count: engineNames.count)
        var failed = 0
        for (i, r) in table.rows.enumerated() {
            for (j, c) in colOf.enumerated() {
                guard let c else { row[j] = .nan; continue }
                let t = r[c].trimmingCharacters(in: .whitespaces)
                if t.isEmpty || t == "NaN" || t == "nan" { row[j] = .nan; continue }
                guard let v = Double(t) else { fail("\(path):\(i + 2): \(table.header[c]) '\(t)' is not a number") }
                row[j] = v
            }
            do {
                switch try store.resolve(symbol: r[symCol]) {
                case .fallback:
                    w.row(r + ["NaN", "fallback", "", "true"])
                case .model(let lm):
                    if let missing = lm.model.featureNames.first(where: { table.header.firstIndex(of: $0) == nil }) {
                        fail("\(path): model \(lm.identity.path ?? "") needs column '\(missing)', which the file does not have")
                    }
                    let v = row.withUnsafeBufferPointer { lm.predict(row: $0) }
                    w.row(r + [CSVWriter.number(v), lm.identity.kind.rawValue, lm.identity.hash ?? "", "false"])
                }
            } catch {
                failed += 1
                note("\(path):\(i + 2): \(r[symCol]): \(error)")
            }
        }
        w.close()
        note("scored \(table.rows.count - failed) rows to \(out)\(failed > 0 ? "; \(failed) failed" : "")")
        if failed > 0 { throw ExitCode(2) }
    }
}

struct Train: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Fit ridge models (standardised features, closed form) on next-day return; write linear JSON models.")
    @Option(help: "Folder(s) or file(s) of daily CSVs.") var data: [String]
    @Option(help: "Model store folder to write into.") var models: String
    @Flag(help: "One model per symbol (<SYMBOL>/model.json).") var perSymbol = false
    @Flag(name: .customLong("global"), help: "One model for all symbols (_global/model.json).") var global = false
    @Option(help: "Use only rows whose target day is on or before this date.") var until: String?
    @Option(help: "Ridge penalty.") var alpha = 1.0

    func validate() throws {
        if !perSymbol && !global { throw ValidationError("give --per-symbol, --global, or both") }
        if let until, Day(iso: until) == nil { throw ValidationError("--until '\(until)' is not YYYY-MM-DD") }
    }

    func run() throws {
        let h = loadHistory(data)
        let trainer = RidgeTrainer(alpha: alpha)
        let untilDay = until.flatMap { Day(iso: $0) }
        var all: (x: [[Double]], y: [Double]) = ([], [])
        var written = 0, skipped = 0
        for sym in h.symbols {
            let rows = trainer.rows(h.series[sym]!, until: untilDay)
            if global { all.x += rows.x; all.y += rows.y }
            if perSymbol {
                if let m = trainer.fit(x: rows.x, y: rows.y) {
                    try write(m, folder: ModelStore.folderName(for: sym))
                    written += 1
                } else { skipped += 1 }
            }
        }
        if perSymbol { note("trained \(written) per-symbol models; \(skipped) symbols had fewer than \(trainer.minimumRows) rows") }
        if global {
            guard let m = trainer.fit(x: all.x, y: all.y) else { fail("not enough rows for a global model (\(all.x.count))") }
            try write(m, folder: ModelStore.globalFolder)
            note("trained the global model on \(all.x.count) rows")
        }
    }

    func write(_ m: LinearModel, folder: String) throws {
        let dir = (models as NSString).appendingPathComponent(folder)
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        try m.json().write(to: URL(fileURLWithPath: (dir as NSString).appendingPathComponent("model.json")))
    }
}
