import Foundation

/// Exponential backoff with full jitter, for reconnects and retries.
public struct Backoff: Sendable {
    public var initial: Double
    public var maximum: Double
    public var multiplier: Double

    public init(initial: Double = 0.1, maximum: Double = 5, multiplier: Double = 2) {
        self.initial = initial
        self.maximum = maximum
        self.multiplier = multiplier
    }

    /// The ceiling of the delay before attempt `attempt` (0-based), without jitter.
    public func ceiling(attempt: Int) -> Double {
        min(maximum, initial * pow(multiplier, Double(min(attempt, 40))))
    }

    /// A jittered delay in [ceiling/2, ceiling] before attempt `attempt`.
    public func delay(attempt: Int) -> Double {
        let c = ceiling(attempt: attempt)
        return c / 2 + Double.random(in: 0...(c / 2))
    }
}

extension Backoff {
    /// Calls `body` until it succeeds. After a failure that `isRetryable` accepts, waits a
    /// jittered backoff delay and tries again, unless `giveUpAfterSeconds` have passed since the
    /// first try or `shouldStop` says so; then the last error is thrown. `onRetry` sees each
    /// retried error with its 0-based attempt number and the delay chosen.
    public func retry<R>(giveUpAfterSeconds: Double?, shouldStop: () -> Bool = { false },
                         isRetryable: (Error) -> Bool, onRetry: (Error, Int, Double) -> Void = { _, _, _ in },
                         _ body: (_ attempt: Int) throws -> R) throws -> R {
        let started = Date()
        var attempt = 0
        while true {
            do {
                return try body(attempt)
            } catch {
                guard isRetryable(error) else { throw error }
                if let limit = giveUpAfterSeconds, Date().timeIntervalSince(started) >= limit { throw error }
                if shouldStop() { throw error }
                let d = delay(attempt: attempt)
                onRetry(error, attempt, d)
                attempt += 1
                Thread.sleep(forTimeInterval: d)
            }
        }
    }
}
