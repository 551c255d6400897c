/// `Close.pct_change() * 100`.
public struct ReturnFeature: Feature {
    public let name = "Return"
    public let lookback = 2
    public init() {}
    public func compute(_ input: FeatureInput, into out: UnsafeMutableBufferPointer<Double>) {
        for i in 0..<input.count { out[i] = input.returns[i] }
    }

    /// `(c[i] / c[i-1] - 1) * 100`, NaN on the first row — pandas' operation order.
    static func returns(close: UnsafeBufferPointer<Double>, into out: UnsafeMutableBufferPointer<Double>) {
        guard close.count > 0 else { return }
        out[0] = .nan
        var i = 1
        while i < close.count {
            out[i] = (close[i] / close[i - 1] - 1) * 100
            i += 1
        }
    }
}

/// `Return.shift(k)`.
public struct ReturnLagFeature: Feature {
    public let lag: Int
    public var name: String { "Return_Lag\(lag)" }
    public var lookback: Int { lag + 2 }
    public init(lag: Int) { self.lag = lag }
    public func compute(_ input: FeatureInput, into out: UnsafeMutableBufferPointer<Double>) {
        for i in 0..<input.count { out[i] = i >= lag ? input.returns[i - lag] : .nan }
    }
}

/// `Close.rolling(window, min_periods=1).mean()`.
public struct MovingAverageFeature: Feature {
    public let window: Int
    public var name: String { "MA_\(window)" }
    public var lookback: Int { window }
    public init(window: Int) { self.window = window }
    public func compute(_ input: FeatureInput, into out: UnsafeMutableBufferPointer<Double>) {
        PandasRolling.mean(input.close, window: window, minPeriods: 1, into: out)
    }
}

/// `Return.rolling(window, min_periods=1).std()` (ddof = 1; one value gives NaN).
public struct VolatilityFeature: Feature {
    public let window: Int
    public var name: String { "Volatility_\(window)" }
    public var lookback: Int { window + 1 }
    public init(window: Int) { self.window = window }
    public func compute(_ input: FeatureInput, into out: UnsafeMutableBufferPointer<Double>) {
        PandasRolling.std(input.returns, window: window, minPeriods: 1, ddof: 1, into: out)
    }
}

/// RSI with simple rolling means: `delta = Close.diff()`, gains and losses with the first
/// row's NaN delta as 0, `avg = rolling(period).mean()`, `100 - 100 / (1 + avg_gain / avg_loss)`.
/// 0/0 is NaN; x/0 gives 100.
public struct RSIFeature: Feature {
    public let period: Int
    public var name: String { period == 14 ? "RSI" : "RSI_\(period)" }
    public var lookback: Int { period + 1 }
    public init(period: Int = 14) { self.period = period }
    public func compute(_ input: FeatureInput, into out: UnsafeMutableBufferPointer<Double>) {
        let n = input.count
        guard n > 0 else { return }
        let gain = UnsafeMutableBufferPointer<Double>.allocate(capacity: n * 4)
        defer { gain.deallocate() }
        let loss = UnsafeMutableBufferPointer(rebasing: gain[n..<(2 * n)])
        let avgGain = UnsafeMutableBufferPointer(rebasing: gain[(2 * n)..<(3 * n)])
        let avgLoss = UnsafeMutableBufferPointer(rebasing: gain[(3 * n)..<(4 * n)])
        let c = input.close
        // delta.where(delta > 0, 0) and -delta.where(delta < 0, 0): note the -0.0 pandas produces.
        gain[0] = 0; loss[0] = -0.0
        for i in 1..<max(1, n) {
            let d = c[i] - c[i - 1]
            gain[i] = d > 0 ? d : 0
            loss[i] = -(d < 0 ? d : 0)
        }
        PandasRolling.mean(UnsafeBufferPointer(rebasing: gain[0..<n]), window: period, minPeriods: period, into: avgGain)
        PandasRolling.mean(UnsafeBufferPointer(loss), window: period, minPeriods: period, into: avgLoss)
        for i in 0..<n { out[i] = 100 - 100 / (1 + avgGain[i] / avgLoss[i]) }
    }
}
