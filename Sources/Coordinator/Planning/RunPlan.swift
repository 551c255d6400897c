/// Splits a run's symbols into chunks of at most `chunkSize`, in sorted order.
public enum RunPlan {
    public static func chunks(_ symbols: [String], chunkSize: Int) -> [[String]] {
        let sorted = Array(Set(symbols)).sorted()
        let size = max(1, chunkSize)
        return stride(from: 0, to: sorted.count, by: size).map { Array(sorted[$0..<min($0 + size, sorted.count)]) }
    }
}
