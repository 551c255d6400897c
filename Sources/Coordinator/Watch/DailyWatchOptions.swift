import Foundation

/// How `coordinator watch` behaves.
public struct DailyWatchOptions: Sendable {
    /// The folder daily files land in. Required.
    public var inbox: String
    /// The runs' settings; each day's run replaces the market and date with its file's.
    public var run: RunOptions
    /// How files are ingested (`--strict` and the batch sizes). Default: ``IngestOptions``' own.
    public var ingest = IngestOptions()
    /// Only this market's files are taken (nil: every market's). Default nil.
    public var market: String?
    /// Between two full rescans of the inbox, which find what inotify cannot see (a network file
    /// system, files finished while the watcher was down) and retry days whose run failed.
    /// Default 60 s.
    public var rescanInterval: Duration = .seconds(60)
    /// A file a rescan finds is taken only once it has not changed for this long (it may still
    /// be being written). Default 2 s.
    public var settleTime: Duration = .seconds(2)
    /// The longest wait for an inbox event before the broker's heartbeats are serviced and the
    /// stop flag checked. Default 1 s.
    public var tick: Duration = .seconds(1)

    public init(inbox: String, run: RunOptions) {
        self.inbox = inbox
        self.run = run
    }
}
