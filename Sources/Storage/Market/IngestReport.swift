import ClosebellCore

/// What ingesting one file did.
public struct IngestReport: Sendable, Equatable {
    public enum Outcome: String, Sendable { case loaded, unchanged, replaced, failed }
    public let file: String
    public let outcome: Outcome
    public let loaded: Int
    public let rejected: Int
    public let flagged: Int
    public let error: String?

    public init(file: String, outcome: Outcome, loaded: Int, rejected: Int, flagged: Int, error: String?) {
        self.file = file
        self.outcome = outcome
        self.loaded = loaded
        self.rejected = rejected
        self.flagged = flagged
        self.error = error
    }

    public var line: String {
        switch outcome {
        case .unchanged: return "\(file): unchanged (already ingested), nothing to do"
        case .failed: return "\(file): FAILED: \(error ?? "?")"
        case .loaded, .replaced:
            return "\(file): \(outcome == .replaced ? "content changed, replaced the day's rows: " : "")loaded \(loaded), rejected \(rejected), flagged \(flagged)"
        }
    }
}
