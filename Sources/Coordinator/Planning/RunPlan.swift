/// Splits a run's symbols into chunks of at most `chunkSize`, in sorted order.
public enum RunPlan {
    /// Entries (symbol-days) a backfill chunk aims at.
    static let backfillEntries = 10_000

    /// Symbols below which a daily chunk's own work no longer pays for its overhead: a chunk
    /// costs 3-5 ms beyond its symbols (a broker round trip, a transaction applying its result)
    /// and a symbol about 50 µs (a 21-row window and a per-symbol XGBoost model, measured), so at
    /// 250 symbols the work is still about three times the overhead.
    static let economicalChunk = 250

    /// The chunk size chosen for a run when none is given: a multiple of the workers' number of
    /// chunks, up to four per worker (so a slow or lost worker costs little and the load evens
    /// out) while chunks keep about ``economicalChunk`` symbols or more — a small run goes out as
    /// one chunk per worker, served in one round, or fewer chunks than workers when it is smaller
    /// still — and at most 1,000 symbols. A backfill aims at
    /// about 10,000 (symbol, day) entries per chunk. `consumers` nil: two workers assumed.
    public static func chunkSize(symbols: Int, daysPerSymbol: Int = 1, consumers: Int?) -> Int {
        let workers = max(1, consumers ?? 2)
        if daysPerSymbol > 1 {
            let even = (symbols + workers * 4 - 1) / (workers * 4)
            return max(1, min(even, backfillEntries / daysPerSymbol))
        }
        let perWorker = min(4, max(1, (symbols + workers * economicalChunk / 2) / (workers * economicalChunk)))
        // Never more chunks than economical ones, however many workers there are.
        let chunks = max(1, min(workers * perWorker, (symbols + economicalChunk - 1) / economicalChunk))
        return min(1_000, max(1, (symbols + chunks - 1) / chunks))
    }

    public static func chunks(_ symbols: [String], chunkSize: Int) -> [[String]] {
        let sorted = Array(Set(symbols)).sorted()
        let size = max(1, chunkSize)
        return stride(from: 0, to: sorted.count, by: size).map { Array(sorted[$0..<min($0 + size, sorted.count)]) }
    }
}
