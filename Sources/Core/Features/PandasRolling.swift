import Foundation

/// Rolling-window kernels that reproduce pandas' own (`pandas/_libs/window/aggregations.pyx`,
/// fixed windows): Kahan-compensated running sums for the mean, Welford's online variance with
/// compensation, and the same-value counting pandas uses to return exact results when a window
/// holds one repeated value. O(n) per series, whatever the window.
///
/// Matching pandas' algorithm (not just its definition) is what makes edge cases agree exactly:
/// a window of zero losses gives an average loss of exactly 0 (so RSI is exactly 100), never 1e-17.
public enum PandasRolling {
    /// `Series.rolling(window, min_periods=minPeriods).mean()`.
    public static func mean(_ x: UnsafeBufferPointer<Double>, window: Int, minPeriods: Int, into out: UnsafeMutableBufferPointer<Double>) {
        let n = x.count
        guard n > 0 else { return }
        var nobs = 0, negCt = 0, nSame = 0
        var sum = 0.0, compAdd = 0.0, compRemove = 0.0, prev = x[0]

        @inline(__always) func add(_ v: Double) {
            guard !v.isNaN else { return }
            nobs += 1
            let y = v - compAdd
            let t = sum + y
            compAdd = t - sum - y
            sum = t
            if v.sign == .minus { negCt += 1 }
            if v == prev { nSame += 1 } else { nSame = 1 }
            prev = v
        }
        @inline(__always) func remove(_ v: Double) {
            guard !v.isNaN else { return }
            nobs -= 1
            let y = -v - compRemove
            let t = sum + y
            compRemove = t - sum - y
            sum = t
            if v.sign == .minus { negCt -= 1 }
        }

        for i in 0..<n {
            let s = max(0, i - window + 1), e = i + 1
            if i == 0 || s >= i {  // first window (or window 1): start afresh
                prev = x[s]; nSame = 0; sum = 0; compAdd = 0; compRemove = 0; nobs = 0; negCt = 0
                for j in s..<e { add(x[j]) }
            } else {
                let prevS = max(0, i - window)
                for j in prevS..<s { remove(x[j]) }
                add(x[i])
            }
            if nobs >= minPeriods && nobs > 0 {
                var r = sum / Double(nobs)
                if nSame >= nobs { r = prev } else if negCt == 0 && r < 0 { r = 0 } else if negCt == nobs && r > 0 { r = 0 }
                out[i] = r
            } else {
                out[i] = .nan
            }
        }
    }

    /// `Series.rolling(window, min_periods=minPeriods).std(ddof=ddof)`: NaN values are not
    /// counted, and a window with `ddof` or fewer values is NaN.
    public static func std(_ x: UnsafeBufferPointer<Double>, window: Int, minPeriods: Int, ddof: Int = 1, into out: UnsafeMutableBufferPointer<Double>) {
        let n = x.count
        guard n > 0 else { return }
        var nobs = 0.0, mean = 0.0, ssqdm = 0.0, compAdd = 0.0, compRemove = 0.0
        var nSame = 0, prev = x[0]

        @inline(__always) func add(_ v: Double) {
            guard !v.isNaN else { return }
            nobs += 1
            if v == prev { nSame += 1 } else { nSame = 1 }
            prev = v
            let prevMean = mean - compAdd
            let y = v - compAdd
            let t = y - mean
            compAdd = t + mean - y
            mean = nobs != 0 ? mean + t / nobs : 0
            ssqdm += (v - prevMean) * (v - mean)
        }
        @inline(__always) func remove(_ v: Double) {
            guard !v.isNaN else { return }
            nobs -= 1
            if nobs != 0 {
                let prevMean = mean - compRemove
                let y = v - compRemove
                let t = y - mean
                compRemove = t + mean - y
                mean -= t / nobs
                ssqdm -= (v - prevMean) * (v - mean)
            } else {
                mean = 0
                ssqdm = 0
            }
        }

        for i in 0..<n {
            let s = max(0, i - window + 1), e = i + 1
            if i == 0 || s >= i {
                prev = x[s]; nSame = 0; mean = 0; ssqdm = 0; nobs = 0; compAdd = 0; compRemove = 0
                for j in s..<e { add(x[j]) }
            } else {
                let prevS = max(0, i - window)
                for j in prevS..<s { remove(x[j]) }
                add(x[i])
            }
            var variance: Double
            if nobs >= Double(minPeriods) && nobs > Double(ddof) {
                variance = (nobs == 1 || Double(nSame) >= nobs) ? 0 : ssqdm / (nobs - Double(ddof))
            } else {
                variance = .nan
            }
            out[i] = variance < 0 ? 0 : variance.squareRoot()
        }
    }
}
