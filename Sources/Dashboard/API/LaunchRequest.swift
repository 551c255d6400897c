import ClosebellCore
import Foundation

/// `POST /api/v1/runs`: a daily run (`{"date": "YYYY-MM-DD"}`) or a backfill
/// (`{"from": …, "to": …}`), with optional `models`, `symbols` (a list, or comma-separated
/// text), `only_unpredicted`, `chunk_size`, `priority` and `market`. Every field is checked where
/// it enters; a bad one is a 400 naming it.
public struct LaunchRequest: Sendable, Equatable {
    public var date: Day?
    public var from: Day?
    public var to: Day?
    public var models: String?
    public var symbols: [String]?
    public var onlyUnpredicted = false
    public var chunkSize: Int?
    public var priority: String?
    public var market: String?

    /// The longest backfill the dashboard starts: 25 years (SPEC: 20 years of history in scope).
    public static let maxRangeDays = 25 * 366
    /// The most symbols a launch may name.
    public static let maxSymbols = 50_000

    public init(date: Day? = nil, from: Day? = nil, to: Day? = nil) {
        self.date = date
        self.from = from
        self.to = to
    }

    /// Parses and checks a JSON body.
    public init(json: Data) throws {
        guard case .object(let o)? = try? JSONDecoder().decode(JSONValue.self, from: json) else {
            throw DashboardError(.badRequest, "invalid_json", "the body must be a JSON object")
        }
        let known: Set<String> = ["date", "from", "to", "models", "symbols", "only_unpredicted", "chunk_size",
                                  "priority", "market"]
        if let unknown = o.keys.sorted().first(where: { !known.contains($0) }) {
            let fields = known.sorted().joined(separator: ", ")
            throw DashboardError.badField(unknown, "unknown field '\(Self.shown(unknown))'; use \(fields)")
        }
        func text(_ k: String) throws -> String? {
            switch o[k] {
            case nil, .null?: return nil
            case .string(let s)?:
                let t = s.trimmingCharacters(in: .whitespaces)
                return t.isEmpty ? nil : t
            default: throw DashboardError.badField(k, "\(k) must be a string")
            }
        }
        func day(_ k: String) throws -> Day? {
            guard let s = try text(k) else { return nil }
            guard let d = Day(iso: s) else {
                throw DashboardError.badField(k, "\(k) '\(Self.shown(s))' is not a date YYYY-MM-DD")
            }
            return d
        }
        date = try day("date")
        from = try day("from")
        to = try day("to")
        models = try text("models")
        market = try text("market")
        priority = try text("priority")
        switch o["symbols"] {
        case nil, .null?: symbols = nil
        case .string(let s)?: symbols = Self.splitSymbols(s)
        case .array(let list)?:
            symbols = try list.map {
                guard case .string(let s) = $0 else {
                    throw DashboardError.badField("symbols", "symbols must be strings")
                }
                return s.trimmingCharacters(in: .whitespaces)
            }.filter { !$0.isEmpty }
        default: throw DashboardError.badField("symbols", "symbols must be a list of strings or comma-separated text")
        }
        switch o["only_unpredicted"] {
        case nil, .null?: onlyUnpredicted = false
        case .bool(let b)?: onlyUnpredicted = b
        default: throw DashboardError.badField("only_unpredicted", "only_unpredicted must be true or false")
        }
        switch o["chunk_size"] {
        case nil, .null?: chunkSize = nil
        case .number(let n)? where n == n.rounded() && abs(n) < 1e9: chunkSize = Int(n)
        case .string(let s)? where Int(s.trimmingCharacters(in: .whitespaces)) != nil:
            chunkSize = Int(s.trimmingCharacters(in: .whitespaces))
        case .string(let s)? where s.trimmingCharacters(in: .whitespaces).isEmpty: chunkSize = nil
        default: throw DashboardError.badField("chunk_size", "chunk_size must be a whole number")
        }
        try validate()
    }

    /// Symbols from comma- (or space-/newline-) separated text.
    public static func splitSymbols(_ text: String) -> [String] {
        text.split(whereSeparator: { $0 == "," || $0 == "\n" || $0 == "\r" || $0 == " " || $0 == "\t" })
            .map(String.init)
    }

    /// Checks the fields together; throws the first problem.
    public func validate() throws {
        switch (date, from, to) {
        case (_?, nil, nil): break
        case (nil, let f?, let t?):
            guard f <= t else { throw DashboardError.badField("from", "from \(f) is after to \(t)") }
            let days = Int(t.daysSinceEpoch - f.daysSinceEpoch)
            guard days < Self.maxRangeDays else {
                throw DashboardError.badField("to", "a range of \(days + 1) days is longer than the "
                                                  + "\(Self.maxRangeDays) allowed (25 years)")
            }
        case (nil, nil, nil): throw DashboardError.badField("date", "give a date, or from and to")
        case (_?, _, _): throw DashboardError.badField("date", "give either a date or from and to, not both")
        case (nil, _, _): throw DashboardError.badField(from == nil ? "from" : "to", "a range needs both from and to")
        }
        if let symbols {
            guard symbols.count <= Self.maxSymbols else {
                throw DashboardError.badField("symbols", "\(symbols.count) symbols is more than \(Self.maxSymbols)")
            }
            if let bad = symbols.first(where: { !Self.isSymbol($0) }) {
                throw DashboardError.badField("symbols", "'\(Self.shown(bad))' is not a symbol "
                                                  + "(letters, digits and . - _ & ^, at most 40)")
            }
            guard !symbols.isEmpty else { throw DashboardError.badField("symbols", "the symbol list is empty") }
        }
        if let chunkSize, !(0...100_000).contains(chunkSize) {
            throw DashboardError.badField("chunk_size",
                                          "chunk_size \(chunkSize) is outside 0…100000 (0: chosen for the run)")
        }
        if let priority, !["normal", "high"].contains(priority) {
            throw DashboardError.badField("priority", "priority '\(Self.shown(priority))' is not normal or high")
        }
        if let market, !(1...40).contains(market.count)
            || !market.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_" || $0 == "-") }) {
            throw DashboardError.badField("market", "market '\(Self.shown(market))' is not a market name")
        }
        if let models, models.count > 4096 || models.contains("\0") {
            throw DashboardError.badField("models", "models is not a folder path")
        }
    }

    static func isSymbol(_ s: String) -> Bool {
        (1...40).contains(s.count)
            && s.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || "._-&^".contains($0)) }
    }

    /// A value quoted back in a message: printable ASCII, at most 40 characters.
    static func shown(_ s: String) -> String {
        String(s.prefix(40).map { $0.isASCII && !$0.isNewline && ($0.asciiValue ?? 0) >= 32 ? $0 : "?" })
    }

    /// The `coordinator` subcommand and arguments that carry it out.
    public var command: (subcommand: String, arguments: [String]) {
        var args: [String]
        let sub: String
        if let date {
            sub = "run"
            args = ["--date", date.description]
        } else {
            sub = "backfill"
            args = ["--from", from!.description, "--to", to!.description]
        }
        if let symbols { args += ["--symbols", symbols.joined(separator: ",")] }
        if onlyUnpredicted { args.append("--only-unpredicted") }
        if let chunkSize { args += ["--chunk-size", String(chunkSize)] }
        if let priority { args += ["--priority", priority] }
        if let models { args += ["--models", models] }
        if let market { args += ["--market", market] }
        return (sub, args)
    }
}
