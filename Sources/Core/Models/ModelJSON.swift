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

    /// A recursive-descent parser over the file's bytes.
    struct Parser {
        let b: UnsafeBufferPointer<UInt8>
        var i: Int

        func fail(_ reason: String) -> SyntaxError { SyntaxError(offset: i, reason: reason) }

        mutating func skipSpace() {
            while i < b.count, b[i] == 0x20 || b[i] == 0x0A || b[i] == 0x0D || b[i] == 0x09 { i += 1 }
        }

        mutating func value(depth: Int) throws -> Value {
            guard depth < ModelJSON.maxDepth else { throw fail("nested deeper than \(ModelJSON.maxDepth) levels") }
            skipSpace()
            guard i < b.count else { throw fail("unexpected end of input") }
            switch b[i] {
            case UInt8(ascii: "{"): return try object(depth: depth)
            case UInt8(ascii: "["): return try array(depth: depth)
            case UInt8(ascii: "\""): return .string(try string())
            case UInt8(ascii: "t"): try literal("true"); return .bool(true)
            case UInt8(ascii: "f"): try literal("false"); return .bool(false)
            case UInt8(ascii: "n"): try literal("null"); return .null
            default: return try number()
            }
        }

        mutating func literal(_ word: StaticString) throws {
            let n = word.utf8CodeUnitCount
            guard i + n <= b.count, memcmp(b.baseAddress! + i, word.utf8Start, n) == 0 else { throw fail("invalid literal") }
            i += n
        }

        mutating func object(depth: Int) throws -> Value {
            i += 1
            var members: [(key: String, value: Value)] = []
            skipSpace()
            if i < b.count, b[i] == UInt8(ascii: "}") { i += 1; return .object(members) }
            while true {
                skipSpace()
                guard i < b.count, b[i] == UInt8(ascii: "\"") else { throw fail("expected a string key") }
                let key = try string()
                skipSpace()
                guard i < b.count, b[i] == UInt8(ascii: ":") else { throw fail("expected ':'") }
                i += 1
                members.append((key, try value(depth: depth + 1)))
                skipSpace()
                guard i < b.count else { throw fail("unexpected end of input in an object") }
                if b[i] == UInt8(ascii: ",") { i += 1; continue }
                guard b[i] == UInt8(ascii: "}") else { throw fail("expected ',' or '}'") }
                i += 1
                return .object(members)
            }
        }

        mutating func array(depth: Int) throws -> Value {
            let open = i
            i += 1
            var items: [Value] = []
            skipSpace()
            if i < b.count, b[i] == UInt8(ascii: "]") { i += 1; return .array(items) }
            if let numbers = try numberArray(from: open) { return numbers }
            while true {
                items.append(try value(depth: depth + 1))
                skipSpace()
                guard i < b.count else { throw fail("unexpected end of input in an array") }
                if b[i] == UInt8(ascii: ",") { i += 1; continue }
                guard b[i] == UInt8(ascii: "]") else { throw fail("expected ',' or ']'") }
                i += 1
                return .array(items)
            }
        }

        /// An array of numbers only, checked and skipped (``Value/numbers(_:_:)``); nil, with nothing
        /// consumed, when an item is something else.
        mutating func numberArray(from open: Int) throws -> Value? {
            let first = i
            while i < b.count, b[i] == UInt8(ascii: "-") || ModelJSON.digit(b[i]) != nil {
                _ = try number()
                skipSpace()
                guard i < b.count else { throw fail("unexpected end of input in an array") }
                if b[i] == UInt8(ascii: "]") { i += 1; return .numbers(open, i) }
                guard b[i] == UInt8(ascii: ",") else { throw fail("expected ',' or ']'") }
                i += 1
                skipSpace()
            }
            i = first
            return nil
        }

        /// `-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?`, kept as a byte range.
        mutating func number() throws -> Value {
            let start = i, n = b.count
            var j = i
            @inline(__always) func isDigit(_ k: Int) -> Bool { k < n && b[k] &- 0x30 < 10 }
            if b[j] == UInt8(ascii: "-") { j += 1 }
            guard isDigit(j) else { i = j; throw fail("invalid value") }
            let leadingZero = b[j] == UInt8(ascii: "0")
            j += 1
            if !leadingZero { while isDigit(j) { j += 1 } }
            if j < n, b[j] == UInt8(ascii: ".") {
                j += 1
                guard isDigit(j) else { i = j; throw fail("a digit must follow '.'") }
                while isDigit(j) { j += 1 }
            }
            if j < n, b[j] | 0x20 == UInt8(ascii: "e") {
                j += 1
                if j < n, b[j] == UInt8(ascii: "+") || b[j] == UInt8(ascii: "-") { j += 1 }
                guard isDigit(j) else { i = j; throw fail("a digit must follow the exponent") }
                while isDigit(j) { j += 1 }
            }
            i = j
            return .number(start, j)
        }

        mutating func string() throws -> String {
            i += 1
            let start = i
            while i < b.count, b[i] != UInt8(ascii: "\""), b[i] != UInt8(ascii: "\\"), b[i] >= 0x20 { i += 1 }
            guard i < b.count else { throw fail("unterminated string") }
            if b[i] == UInt8(ascii: "\"") {
                i += 1
                return try text(UnsafeBufferPointer(rebasing: b[start..<(i - 1)]))
            }
            var out = Array(b[start..<i])
            while true {
                guard i < b.count else { throw fail("unterminated string") }
                let c = b[i]
                if c == UInt8(ascii: "\"") { i += 1; return try out.withUnsafeBufferPointer { try text($0) } }
                guard c >= 0x20 else { throw fail("control character in a string") }
                guard c == UInt8(ascii: "\\") else { out.append(c); i += 1; continue }
                guard i + 1 < b.count else { throw fail("unterminated escape") }
                i += 2
                switch b[i - 1] {
                case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): out.append(b[i - 1])
                case UInt8(ascii: "b"): out.append(0x08)
                case UInt8(ascii: "f"): out.append(0x0C)
                case UInt8(ascii: "n"): out.append(0x0A)
                case UInt8(ascii: "r"): out.append(0x0D)
                case UInt8(ascii: "t"): out.append(0x09)
                case UInt8(ascii: "u"):
                    var scalar = try hex4()
                    if (0xD800..<0xDC00).contains(scalar) {
                        guard i + 1 < b.count, b[i] == UInt8(ascii: "\\"), b[i + 1] == UInt8(ascii: "u") else {
                            throw fail("unpaired surrogate")
                        }
                        i += 2
                        let low = try hex4()
                        guard (0xDC00..<0xE000).contains(low) else { throw fail("unpaired surrogate") }
                        scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                    }
                    guard let u = Unicode.Scalar(scalar) else { throw fail("unpaired surrogate") }
                    out.append(contentsOf: Array(String(Character(u)).utf8))
                default: throw fail("invalid escape")
                }
            }
        }

        mutating func hex4() throws -> UInt32 {
            guard i + 4 <= b.count else { throw fail("short \\u escape") }
            var v: UInt32 = 0
            for _ in 0..<4 {
                let c = b[i] | 0x20
                let d: UInt8
                if let x = ModelJSON.digit(b[i]) { d = x } else if c >= UInt8(ascii: "a"), c <= UInt8(ascii: "f") {
                    d = c - UInt8(ascii: "a") + 10
                } else { throw fail("invalid \\u escape") }
                v = v << 4 | UInt32(d)
                i += 1
            }
            return v
        }

        func text(_ t: UnsafeBufferPointer<UInt8>) throws -> String {
            guard let s = String(validating: t, as: UTF8.self) else { throw fail("invalid UTF-8 in a string") }
            return s
        }
    }
}
