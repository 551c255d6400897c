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
