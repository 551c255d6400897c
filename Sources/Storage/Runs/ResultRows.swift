import ClosebellCore

/// One prediction of a result, as the ledger writes it.
public struct PredictionRow: Sendable, Equatable {
    public var symbol: String
    /// The day predicted (the as-of day).
    public var day: Day
    public var target: Day
    public var value: Double
    public var kind: String
    public var path: String?
    public var hash: String?
    public var fallback: Bool

    public init(symbol: String, day: Day, target: Day, value: Double, kind: String, path: String?, hash: String?,
                fallback: Bool) {
        self.symbol = symbol
        self.day = day
        self.target = target
        self.value = value
        self.kind = kind
        self.path = path
        self.hash = hash
        self.fallback = fallback
    }
}

/// One failed symbol of a result, for one day: the stage and the reason.
public struct FailureRow: Sendable, Equatable {
    public var symbol: String
    public var day: Day
    public var stage: String
    public var error: String

    public init(symbol: String, day: Day, stage: String, error: String) {
        self.symbol = symbol
        self.day = day
        self.stage = stage
        self.error = error
    }
}

/// One skipped symbol of a result (too little history), for one day, with the reason.
public struct SkipRow: Sendable, Equatable {
    public var symbol: String
    public var day: Day
    public var reason: String

    public init(symbol: String, day: Day, reason: String) {
        self.symbol = symbol
        self.day = day
        self.reason = reason
    }
}
