import Foundation

extension ModelJSON {
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
