import ClosebellCore
import ClosebellProtocol
import ClosebellStorage
import Foundation

/// Everything `coordinator run` (and `retry`) needs: the request, and where the servers are.
public struct RunOptions: Sendable {
    public var request: RunRequest
    public var databaseURL: String
    public var amqpURL: AMQPURL
    public var topology: ClosebellTopology
    /// Folder for the per-run log file (nil: no file).
    public var logDirectory: String?
    /// Seconds between progress lines and timeout checks. Default 1.
    public var progressIntervalSeconds: Double = 1
    /// Print progress lines on stdout. Default true.
    public var printProgress = true
    /// Give up when the broker stays unreachable this long: the run is marked failed with the
    /// reason (a later `run` resumes it). Default 120 s.
    public var brokerGiveUpSeconds: Double = 120
    public var coordinatorId = "\(ProcessInfo.processInfo.hostName)-\(getpid())"
    /// Notifications and the accuracy check once a run ends (nil: none).
    public var followUp: OutcomeFollowUp?
    /// Rows of a daily run's windows read at once above which they are read as two halves, on
    /// two connections at once. Default 50,000.
    public var splitLoadRows = 50_000
    /// Rows of windows (a backfill: of ranges) published at once, at most; the chunks of a
    /// backfill are made ready that many rows at a time, so its memory does not grow with its
    /// range. Default 250,000.
    public var publishRows = 250_000
    /// A file to write the run's id to once it is planned or resumed (the dashboard, which
    /// starts runs as child processes, waits for it). Default nil: none.
    public var runIdFile: String?
    /// A connection the command already opened (to choose the market), which the first run
    /// takes as its lock connection instead of opening another. Default nil.
    public var connectionHandOff: PGConnectionHandOff?
    /// Connections and a broker kept open across runs (`coordinator watch`), which the run
    /// borrows instead of opening its own. Default nil: the run opens and closes its own.
    public var session: RunSession?
    /// A folder where a daily run keeps its windows for the next run of its market, as a resident
    /// coordinator keeps them in memory (``WindowCache``, one file per market): a run from cron
    /// then reads from PostgreSQL only the days since. Default nil: every run reads every day.
    public var windowCacheDirectory: String?

    public init(request: RunRequest, databaseURL: String, amqpURL: AMQPURL, topology: ClosebellTopology) {
        self.request = request
        self.databaseURL = databaseURL
        self.amqpURL = amqpURL
        self.topology = topology
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
    /// The request cannot be carried out as given (a bad flag, no model store).
    case usage = 64

    /// How bad an outcome is for cron, for the worst of several runs: failed worst, then
    /// cancelled, locked, completed with failures, completed.
    var severity: Int {
        switch self {
        case .completed: 0
        case .completedWithFailures: 1
        case .locked: 2
        case .cancelled: 3
        case .failed: 4
        case .usage: 5
        }
    }

    /// The worse of two outcomes.
    public static func worst(_ a: RunExit, _ b: RunExit) -> RunExit { a.severity >= b.severity ? a : b }

    public init(status: RunStatus) {
        switch status {
        case .completed: self = .completed
        case .completedWithFailures: self = .completedWithFailures
        case .cancelled: self = .cancelled
        case .queued, .running, .failed: self = .failed
        }
    }
}
