import ClosebellCore
import Foundation

/// What a run was asked to do, stored whole with the run (`runs.config`) and read back whole
/// when it is resumed or retried. Never holds a secret.
public struct RunRequest: Codable, Sendable, Equatable {
    /// The market (daily-file prefix) whose history and predictions the run uses.
    public var market: String
    public var asOf: Day
    /// A backfill's first day: every trading day from it through `asOf` is predicted in one run
    /// (nil: a daily run of `asOf`).
    public var firstDay: Day?
    /// Only these symbols (nil: every symbol of the market with a row on the date).
    public var symbols: [String]?
    public var onlyUnpredicted = false
    /// Symbols per chunk; 0 chooses it when the run is planned (``RunPlan/chunkSize``). Default 0.
    public var chunkSize = 0
    /// The model store folder, as the workers see it.
    public var modelStore: String
    /// No model store is expected: every symbol gets the fallback. Default false.
    public var fallbackOnly = false
    /// Seconds a worker may hold a chunk before it is published again. Default 120.
    public var timeoutSeconds: Double = 120
    /// Attempts per chunk before its symbols are failed. Default 3.
    public var maxAttempts = 3
    /// Seconds before the first retry of a failed chunk, doubling each attempt (at most 60). Default 1.
    public var backoffSeconds: Double = 1
    /// Weekdays the market trades (0 = Sunday). Default Sunday–Thursday.
    public var tradingWeekdays: [Int] = [0, 1, 2, 3, 4]
    /// The run this one retries.
    public var parentRunId: Int64?
    /// High-priority runs' chunks go to their own queue, which workers drain first. Default normal.
    public var priority = RunPriority.normal

    enum CodingKeys: String, CodingKey {
        case market, symbols
        case asOf = "as_of_date", onlyUnpredicted = "only_unpredicted", chunkSize = "chunk_size", modelStore = "model_store"
        case fallbackOnly = "fallback_only", timeoutSeconds = "timeout_seconds", maxAttempts = "max_attempts"
        case backoffSeconds = "backoff_seconds", tradingWeekdays = "trading_weekdays", parentRunId = "parent_run_id"
        case priority, firstDay = "first_date"
    }

    public init(market: String, asOf: Day, modelStore: String) {
        self.market = market
        self.asOf = asOf
        self.modelStore = modelStore
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        market = try c.decodeIfPresent(String.self, forKey: .market) ?? "nepse"
        asOf = try c.decode(Day.self, forKey: .asOf)
        modelStore = try c.decode(String.self, forKey: .modelStore)
        symbols = try c.decodeIfPresent([String].self, forKey: .symbols)
        onlyUnpredicted = try c.decodeIfPresent(Bool.self, forKey: .onlyUnpredicted) ?? false
        chunkSize = try c.decodeIfPresent(Int.self, forKey: .chunkSize) ?? 0
        fallbackOnly = try c.decodeIfPresent(Bool.self, forKey: .fallbackOnly) ?? false
        timeoutSeconds = try c.decodeIfPresent(Double.self, forKey: .timeoutSeconds) ?? 120
        maxAttempts = try c.decodeIfPresent(Int.self, forKey: .maxAttempts) ?? 3
        backoffSeconds = try c.decodeIfPresent(Double.self, forKey: .backoffSeconds) ?? 1
        tradingWeekdays = try c.decodeIfPresent([Int].self, forKey: .tradingWeekdays) ?? [0, 1, 2, 3, 4]
        parentRunId = try c.decodeIfPresent(Int64.self, forKey: .parentRunId)
        priority = try c.decodeIfPresent(RunPriority.self, forKey: .priority) ?? .normal
        firstDay = try c.decodeIfPresent(Day.self, forKey: .firstDay)
    }

    public var timeout: Duration { .seconds(timeoutSeconds) }

    /// Whether the request is a backfill over a range of days.
    public var isBackfill: Bool { firstDay != nil }

    /// `2024-01-31`, or `2024-01-01…2024-01-31` for a backfill.
    public var daysDescription: String { firstDay.map { "\($0)…\(asOf)" } ?? asOf.description }

    /// The request as stored in `runs.config`.
    public var json: String {
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys]
        return String(decoding: try! e.encode(self), as: UTF8.self)
    }

    /// The request stored with a run, or nil when it cannot be read.
    public static func stored(_ json: String) -> RunRequest? {
        try? JSONDecoder().decode(RunRequest.self, from: Data(json.utf8))
    }

    /// Refuses settings no run can work with, naming the flag and the value.
    public func validate() throws {
        func bad(_ m: String) -> RunRequestError { RunRequestError(m) }
        guard chunkSize >= 0 else { throw bad("--chunk-size \(chunkSize): must be at least 1 (0: chosen for the run)") }
        guard timeoutSeconds.isFinite, timeoutSeconds > 0 else { throw bad("--timeout \(timeoutSeconds): must be more than 0 seconds") }
        guard maxAttempts >= 1 else { throw bad("--max-attempts \(maxAttempts): must be at least 1") }
        guard backoffSeconds.isFinite, backoffSeconds >= 0 else { throw bad("--backoff \(backoffSeconds): must be 0 or more seconds") }
        guard Day.supported.contains(asOf) else { throw bad("date \(asOf) is outside \(Day.supported.lowerBound)…\(Day.supported.upperBound)") }
        guard !market.isEmpty else { throw bad("--market must not be empty") }
        if let firstDay {
            guard Day.supported.contains(firstDay), firstDay <= asOf else {
                throw bad("--from \(firstDay) must be on or before --to \(asOf)")
            }
            guard asOf.daysSinceEpoch - firstDay.daysSinceEpoch <= 36_600 else { throw bad("--from … --to spans more than 100 years") }
        }
        guard !tradingWeekdays.isEmpty, tradingWeekdays.allSatisfy((0...6).contains) else {
            throw bad("trading weekdays \(tradingWeekdays): each must be 0 (Sunday) … 6 (Saturday), at least one")
        }
        if let symbols {
            guard !symbols.isEmpty else { throw bad("--symbols is empty") }
            if let s = symbols.first(where: { $0.utf8.count > RawText.symbolLimit || $0.contains("\0") }) {
                throw bad("--symbols: '\(RawText.display(s, limit: 40))' is not a symbol")
            }
        }
    }

    /// Settings of `other` that differ from this request's, as `flag value` phrases.
    public func differences(from other: RunRequest) -> [String] {
        var out: [String] = []
        if symbols != other.symbols { out.append("--symbols") }
        if onlyUnpredicted != other.onlyUnpredicted { out.append("--only-unpredicted") }
        if chunkSize != other.chunkSize && other.chunkSize != 0 { out.append("--chunk-size \(other.chunkSize) (run: \(chunkSize))") }
        if modelStore != other.modelStore { out.append("--models \(other.modelStore) (run: \(modelStore))") }
        if fallbackOnly != other.fallbackOnly { out.append("--fallback-only") }
        if timeoutSeconds != other.timeoutSeconds { out.append("--timeout \(other.timeoutSeconds) (run: \(timeoutSeconds))") }
        if maxAttempts != other.maxAttempts { out.append("--max-attempts \(other.maxAttempts) (run: \(maxAttempts))") }
        if backoffSeconds != other.backoffSeconds { out.append("--backoff \(other.backoffSeconds) (run: \(backoffSeconds))") }
        return out
    }

    /// The market a run takes when none is given: the only one with data (nil: none has data
    /// yet). Several: a ``RunRequestError`` asking for `--market`.
    public static func onlyMarket(of markets: [String]) throws -> String? {
        guard markets.count <= 1 else {
            throw RunRequestError("several markets have data (\(markets.joined(separator: ", "))): choose one with --market")
        }
        return markets.first
    }
}

/// A run request that cannot be carried out as given (the process exits 64).
public struct RunRequestError: Error, CustomStringConvertible, Sendable {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}
