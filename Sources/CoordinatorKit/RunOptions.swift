import ClosebellCore
import ClosebellProtocol
import Foundation

/// Everything `coordinator run` (and `retry`) needs.
public struct RunOptions: Sendable {
    public var asOf: Day
    /// Only these symbols (nil: every symbol with a row on the date).
    public var symbols: [String]?
    public var onlyUnpredicted = false
    public var chunkSize = 50
    public var modelStore: String
    public var timeoutSeconds: Double = 120
    public var maxAttempts = 3
    public var backoffSeconds: Double = 1
    public var tradingWeekdays: [Int] = [0, 1, 2, 3, 4]
    public var databaseURL: String
    public var amqpURL: AMQPURL
    public var topology: ClosebellTopology
    /// Folder for the per-run log file (nil: no file).
    public var logDirectory: String?
    public var parentRunId: Int64?
    public var progressIntervalSeconds: Double = 1
    /// Print progress lines on stdout.
    public var printProgress = true
    public var coordinatorId = "\(ProcessInfo.processInfo.hostName)-\(getpid())"

    public init(asOf: Day, modelStore: String, databaseURL: String, amqpURL: AMQPURL, topology: ClosebellTopology) {
        self.asOf = asOf
        self.modelStore = modelStore
        self.databaseURL = databaseURL
        self.amqpURL = amqpURL
        self.topology = topology
    }

    var configJSON: String {
        let dict: [String: Any] = [
            "as_of_date": asOf.description, "chunk_size": chunkSize, "model_store": modelStore, "timeout_seconds": timeoutSeconds,
            "max_attempts": maxAttempts, "backoff_seconds": backoffSeconds, "only_unpredicted": onlyUnpredicted,
            "symbols": symbols as Any, "topology": topology.prefix, "trading_weekdays": tradingWeekdays,
            "parent_run_id": parentRunId.map { Int($0) } as Any,
        ]
        let data = try! JSONSerialization.data(withJSONObject: dict.filter { !($0.value is NSNull) }, options: [.sortedKeys])
        return String(decoding: data, as: UTF8.self)
    }
}

/// How a run ended, as the process exit code cron sees.
public enum RunExit: Int32, Sendable {
    case completed = 0
    case failed = 1
    case completedWithFailures = 2
    /// Another coordinator holds the date.
    case locked = 3
    case cancelled = 4

    public init(status: String) {
        switch status {
        case "completed": self = .completed
        case "completed_with_failures": self = .completedWithFailures
        case "cancelled": self = .cancelled
        default: self = .failed
        }
    }
}
