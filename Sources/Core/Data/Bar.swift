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
    /// What is wrong, naming the field: `open_missing`, `high_unparsable`, `low_not_positive`,
    /// `volume_negative`, … and the range checks made when every price is usable.
    public enum Kind: String, Sendable, CaseIterable {
        case openOutsideRange = "open_outside_range"
        case closeOutsideRange = "close_outside_range"
        case lowAboveHigh = "low_above_high"
        case openMissing = "open_missing", highMissing = "high_missing", lowMissing = "low_missing"
        case volumeMissing = "volume_missing"
        case openUnparsable = "open_unparsable", highUnparsable = "high_unparsable", lowUnparsable = "low_unparsable"
        case volumeUnparsable = "volume_unparsable"
        case openNotPositive = "open_not_positive", highNotPositive = "high_not_positive"
        case lowNotPositive = "low_not_positive", volumeNegative = "volume_negative"

        /// Field k of Open, High, Low, Close, Volume (0…4; Close never) is empty.
        static func missing(_ k: Int) -> Kind { [.openMissing, .highMissing, .lowMissing, .openMissing, .volumeMissing][k] }
        /// Field k is not a number.
        static func unparsable(_ k: Int) -> Kind {
            [.openUnparsable, .highUnparsable, .lowUnparsable, .openUnparsable, .volumeUnparsable][k]
        }
        /// Field k is zero or negative (Volume: negative).
        static func outOfRange(_ k: Int) -> Kind {
            [.openNotPositive, .highNotPositive, .lowNotPositive, .openNotPositive, .volumeNegative][k]
        }
    }

    public let file: String
    public let line: Int
    public let symbol: String
    public let day: Day
    public let kind: Kind
}
