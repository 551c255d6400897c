import ArgumentParser
import ClosebellCoordinator

/// The flags of an ingest, for `coordinator ingest` and `coordinator catch-up --ingest`.
struct IngestFlags: ParsableArguments {
    @Flag(help: ArgumentHelp("Reject rows with flagged problems (bad Open/High/Low/Volume, prices outside "
                             + "[Low, High]) instead of loading them."))
    var strict = false
    @Flag(name: .shortAndLong, help: ArgumentHelp("A line for every file (default: only for failed, replaced or "
                                                  + "rejecting files, or when there are few)."))
    var verbose = false
    @Option(help: "Rows per transaction (default 250000).") var batchRows: Int?
    @Option(help: ArgumentHelp("Drop ohlcv's indexes for the load and rebuild them, in one transaction: true or "
                                + "false (default: when the new files hold at least a million rows and more than "
                                + "the table)."))
    var rebuildIndexes: Bool?

    /// The flags given on the command line, by name.
    var given: [String] {
        [strict ? "--strict" : nil, verbose ? "--verbose" : nil, batchRows.map { _ in "--batch-rows" },
         rebuildIndexes.map { _ in "--rebuild-indexes" }].compactMap { $0 }
    }

    /// The options these flags give; exits 64 on a bad value.
    var options: IngestOptions {
        var options = IngestOptions(strict: strict)
        if let batchRows {
            guard batchRows > 0 else { fail("--batch-rows \(batchRows): must be more than 0", code: 64) }
            options.batchRows = batchRows
        }
        options.rebuildIndexes = rebuildIndexes
        return options
    }
}
