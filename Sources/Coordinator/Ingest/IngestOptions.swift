/// How a bulk ingest batches its work.
public struct IngestOptions: Sendable {
    /// Reject rows with a flagged problem instead of loading them flagged. Default false.
    public var strict = false
    /// A batch (a transaction, or one COPY stream of a load with indexes rebuilt) closes once it
    /// holds this many rows; the first holds a sixteenth, so loading starts early. Default 250,000.
    public var batchRows = 250_000
    /// A transaction holds at most this many files. Default 2,000.
    public var batchFiles = 2_000
    /// Parsed batches waiting for the loader at most (bounds memory). Default 2.
    public var queueDepth = 2
    /// Drop `ohlcv`'s indexes for the load and rebuild them at the end, in one transaction.
    /// Default nil: when the files hold at least 1,000,000 rows and more than the table.
    public var rebuildIndexes: Bool?

    /// Bytes per row of a typical daily file, to estimate a load's rows from file sizes.
    static let bytesPerRow = 40

    public init(strict: Bool = false) { self.strict = strict }
}
