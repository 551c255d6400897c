import Foundation

/// Parses decimal numbers from bytes, correctly rounded.
///
/// Plain decimals with at most 15 significant digits and a short fraction (what price files
/// hold) take an exact fast path: integer mantissa ÷ power of ten, both exact doubles, so the
/// IEEE division rounds once. Anything else goes through `strtod`.
public enum DecimalParser {
    private static let powers: [Double] = (0...22).map { pow(10.0, Double($0)) }

    /// The value, or nil when the bytes are not a finite decimal number.
    public static func parse(_ b: UnsafeBufferPointer<UInt8>) -> Double? {
        var i = 0, n = b.count
        while i < n, b[i] == 0x20 || b[i] == 0x09 { i += 1 }
        while n > i, b[n - 1] == 0x20 || b[n - 1] == 0x09 { n -= 1 }
        guard i < n else { return nil }
        let start = i
        var negative = false
        if b[i] == 0x2D { negative = true; i += 1 } else if b[i] == 0x2B { i += 1 }
        var mantissa: UInt64 = 0, digits = 0, fraction = 0, sawDot = false, sawDigit = false
        var j = i
        while j < n {
            let c = b[j]
            if c &- 0x30 < 10 {
                sawDigit = true
                if mantissa == 0 && c == 0x30 {
                    if sawDot { fraction += 1 }
                } else {
                    mantissa = mantissa * 10 + UInt64(c &- 0x30)
                    digits += 1
                    if sawDot { fraction += 1 }
                    if digits > 15 { return slow(b, i: start, n: n) }
                }
            } else if c == 0x2E && !sawDot {
                sawDot = true
            } else {
                return slow(b, i: start, n: n)
            }
            j += 1
        }
        guard sawDigit else { return nil }
        guard fraction <= 22 else { return slow(b, i: start, n: n) }
        let v = Double(mantissa) / powers[fraction]
        return negative ? -v : v
    }

    private static func slow(_ b: UnsafeBufferPointer<UInt8>, i: Int, n: Int) -> Double? {
        let len = n - i
        guard len > 0, len < 128 else { return nil }
        return withUnsafeTemporaryAllocation(of: CChar.self, capacity: len + 1) { buf -> Double? in
            for k in 0..<len { buf[k] = CChar(bitPattern: b[i + k]) }
            buf[len] = 0
            // strtod accepts hex, inf and nan: allow only decimal text.
            for k in 0..<len {
                let c = UInt8(bitPattern: buf[k])
                if !(c &- 0x30 < 10 || c == 0x2E || c == 0x2D || c == 0x2B || c == 0x65 || c == 0x45) { return nil }
            }
            var end: UnsafeMutablePointer<CChar>?
            let v = strtod(buf.baseAddress!, &end)
            guard let end, end - buf.baseAddress! == len, v.isFinite else { return nil }
            return v
        }
    }
}
