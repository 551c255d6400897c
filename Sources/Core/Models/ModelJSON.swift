import Foundation

/// A strict JSON reader for model files (RFC 8259), built for XGBoost's `model.json`: most of such
/// a file is long arrays of numbers, so a number is kept as the bytes it was written with and
/// decoded only when asked for (``int32(_:)``, ``double(_:)``). An array nobody reads costs one
/// scan. Foundation's `JSONSerialization` boxes every number in an object and takes ~10× longer.
///
/// Rejects what `JSONSerialization` rejects: bad grammar, invalid UTF-8 in strings, trailing bytes;
/// nesting is limited to ``maxDepth`` levels so hostile input cannot exhaust the stack.
struct ModelJSON {
    /// A parsed value; numbers are ranges into ``bytes``.
    enum Value {
        case object([(key: String, value: Value)])
        case array([Value])
        case string(String)
        case number(Int, Int)
        /// An array of numbers only, kept as its bytes (from `[` to past `]`) until ``ModelJSON/elements(_:)``.
        case numbers(Int, Int)
        case bool(Bool)
        case null

        subscript(key: String) -> Value? {
            guard case .object(let members) = self else { return nil }
            return members.last(where: { $0.key == key })?.value
        }

        var string: String? { if case .string(let s) = self { return s } else { return nil } }
        var isArray: Bool {
            switch self { case .array, .numbers: return true; default: return false }
        }
        var array: [Value]? { if case .array(let a) = self { return a } else { return nil } }
    }

    /// Where and why the bytes are not JSON.
    struct SyntaxError: Error, CustomStringConvertible {
        let offset: Int
        let reason: String
        var description: String { "\(reason) at byte \(offset)" }
    }

    static let maxDepth = 64
    let bytes: [UInt8]
    let root: Value

    init(bytes: [UInt8]) throws {
        self.bytes = bytes
        root = try bytes.withUnsafeBufferPointer { buf in
            var p = Parser(b: buf, i: 0)
            let v = try p.value(depth: 0)
            p.skipSpace()
            guard p.i == buf.count else { throw SyntaxError(offset: p.i, reason: "unexpected bytes after the value") }
            return v
        }
    }

    /// The items of an array (a ``Value/numbers(_:_:)`` array is split here, on demand).
    func elements(_ v: Value?) -> [Value]? {
        switch v {
        case .array(let items): return items
        case .numbers(let s, let e):
            var items: [Value] = []
            forEachNumber(s, e) { items.append(.number($0, $1)) }
            return items
        default: return nil
        }
    }

    /// An array's items as 32-bit integers (see ``int32(_:)``); nil if any item is not one.
    func int32s(_ v: Value?) -> [Int32]? {
        guard case .numbers(let s, let e) = v else { return elements(v).flatMap { a in
            let r = a.compactMap { int32($0) }
            return r.count == a.count ? r : nil
        } }
        var out: [Int32] = [], ok = true
        out.reserveCapacity((e - s) / 2)
        forEachNumber(s, e) { a, b in
            if let x = int32(.number(a, b)) { out.append(x) } else { ok = false }
        }
        return ok ? out : nil
    }

    /// An array's items as Doubles; nil if any item is not a number.
    func doubles(_ v: Value?) -> [Double]? {
        guard case .numbers(let s, let e) = v else { return elements(v).flatMap { a in
            let r = a.compactMap { double($0) }
            return r.count == a.count ? r : nil
        } }
        var out: [Double] = []
        out.reserveCapacity((e - s) / 4)
        bytes.withUnsafeBufferPointer { buf in
            forEachNumber(s, e) { a, b in out.append(Self.parseDouble(UnsafeBufferPointer(rebasing: buf[a..<b]))!) }
        }
        return out
    }

    /// Calls `body` with each number's byte range in the (already checked) array `[s, e)`.
    func forEachNumber(_ s: Int, _ e: Int, _ body: (Int, Int) -> Void) {
        bytes.withUnsafeBufferPointer { b in
            var i = s + 1
            while i < e {
                let c = b[i]
                if c == UInt8(ascii: "-") || c &- 0x30 < 10 {
                    let start = i
                    while i < e, b[i] != UInt8(ascii: ","), b[i] != UInt8(ascii: "]"), b[i] > 0x20 { i += 1 }
                    body(start, i)
                } else { i += 1 }
            }
        }
    }

    /// A number that is exactly an integer within 32 bits (`3`, `3.0`, `3e0`); `true`/`false` as 1/0.
    func int32(_ v: Value) -> Int32? {
        switch v {
        case .bool(let b): return b ? 1 : 0
        case .number(let s, let e):
            let exact: Int32?? = bytes.withUnsafeBufferPointer { b in
                var x: Int64 = 0, k = s, negative = false
                if b[k] == UInt8(ascii: "-") { negative = true; k += 1 }
                while k < e, e - s <= 12, b[k] &- 0x30 < 10 { x = x &* 10 &+ Int64(b[k] &- 0x30); k += 1 }
                return k == e ? .some(Int32(exactly: negative ? -x : x)) : nil
            }
            if let exact { return exact }
            return double(v).flatMap { Int32(exactly: $0) }
        default: return nil
        }
    }

    /// A number, correctly rounded to the nearest Double (as `strtod`).
    func double(_ v: Value) -> Double? {
        guard case .number(let s, let e) = v else { return nil }
        return bytes.withUnsafeBufferPointer { Self.parseDouble(UnsafeBufferPointer(rebasing: $0[s..<e])) }
    }

    static func digit(_ c: UInt8) -> UInt8? { c &- 0x30 < 10 ? c &- 0x30 : nil }

    static let powers: [Double] = (0...22).map { Double("1e\($0)")! }

    /// Clinger's fast path (≤ 15 significant digits, |exponent| ≤ 22: one exact IEEE operation
    /// on exact operands, so correctly rounded), else `strtod` on the text.
    static func parseDouble(_ t: UnsafeBufferPointer<UInt8>) -> Double? {
        var k = 0, negative = false, mantissa: UInt64 = 0, digits = 0, exponent = 0
        if t[k] == UInt8(ascii: "-") { negative = true; k += 1 }
        while k < t.count, let d = digit(t[k]) {
            if mantissa != 0 || d != 0 { digits += 1 }
            if digits <= 19 { mantissa = mantissa &* 10 &+ UInt64(d) } else { exponent += 1 }
            k += 1
        }
        if k < t.count, t[k] == UInt8(ascii: ".") {
            k += 1
            while k < t.count, let d = digit(t[k]) {
                if mantissa != 0 || d != 0 { digits += 1 }
                if digits <= 19 { mantissa = mantissa &* 10 &+ UInt64(d); exponent -= 1 }
                k += 1
            }
        }
        if k < t.count, t[k] | 0x20 == UInt8(ascii: "e") {
            k += 1
            var sign = 1, e = 0
            if t[k] == UInt8(ascii: "-") { sign = -1; k += 1 } else if t[k] == UInt8(ascii: "+") { k += 1 }
            while k < t.count, let d = digit(t[k]) { if e < 100_000 { e = e * 10 + Int(d) }; k += 1 }
            exponent += sign * e
        }
        if digits <= 15, abs(exponent) <= 22 {
            let m = Double(mantissa)
            let v = exponent < 0 ? m / powers[-exponent] : m * powers[exponent]
            return negative ? -v : v
        }
        return Double(String(decoding: t, as: UTF8.self))
    }
}
