/// Splits a run's symbols into chunks of at most `chunkSize`, in sorted order.
public enum RunPlan {
    /// Entries (symbol-days) a backfill chunk aims at.
    static let backfillEntries = 10_000

    /// The chunk size chosen for a run when none is given: about four chunks per worker (so a
    /// slow or lost worker costs little and the load evens out), at least 50 and at most 1,000
    /// symbols — per-chunk overhead must not dominate a large run. A backfill aims at about
    /// 10,000 (symbol, day) entries per chunk. `consumers` nil: two workers assumed.
    public static func chunkSize(symbols: Int, daysPerSymbol: Int = 1, consumers: Int?) -> Int {
        let workers = max(1, consumers ?? 2)
        let even = (symbols + workers * 4 - 1) / (workers * 4)
        if daysPerSymbol > 1 {
            return max(1, min(even, backfillEntries / daysPerSymbol))
        }
        return min(1_000, max(50, even))
    }

    public static func chunks(_ symbols: [String], chunkSize: Int) -> [[String]] {
        let sorted = Array(Set(symbols)).sorted()
        let size = max(1, chunkSize)
        return stride(from: 0, to: sorted.count, by: size).map { Array(sorted[$0..<min($0 + size, sorted.count)]) }
    }
}
