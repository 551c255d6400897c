/// One symbol's prices for one day, as read from a daily file.
public struct Bar: Sendable, Equatable {
    public var symbol: String
    public var day: Day
    public var open: Double
    public var high: Double
    public var low: Double
    public var close: Double
    public var volume: Double

    public init(symbol: String, day: Day, open: Double, high: Double, low: Double, close: Double, volume: Double) {
        self.symbol = symbol
        self.day = day
        self.open = open
        self.high = high
        self.low = low
        self.close = close
        self.volume = volume
    }
}

/// A row that cannot be used, kept with where it came from and why.
public struct RejectedRow: Sendable, Equatable {
    public let file: String
    public let line: Int
    public let raw: String
    public let reason: String
}

/// A row that loads but looks wrong (real exchange data is messy), flagged for data quality.
public struct Anomaly: Sendable, Equatable {
    public enum Kind: String, Sendable, CaseIterable {
        case openOutsideRange = "open_outside_range"
        case closeOutsideRange = "close_outside_range"
        case lowAboveHigh = "low_above_high"
    }

    public let file: String
    public let line: Int
    public let symbol: String
    public let day: Day
    public let kind: Kind
}
