import Glibc
import ClosebellCore

/// Little-endian binary writer for the message contract.
public struct BinaryWriter {
    public private(set) var bytes: [UInt8] = []

    public init(capacity: Int = 256) { bytes.reserveCapacity(capacity) }

    public mutating func u8(_ v: UInt8) { bytes.append(v) }
    public mutating func u16(_ v: UInt16) { withUnsafeBytes(of: v.littleEndian) { bytes.append(contentsOf: $0) } }
    public mutating func u32(_ v: UInt32) { withUnsafeBytes(of: v.littleEndian) { bytes.append(contentsOf: $0) } }
    public mutating func i32(_ v: Int32) { u32(UInt32(bitPattern: v)) }
    public mutating func i64(_ v: Int64) { withUnsafeBytes(of: v.littleEndian) { bytes.append(contentsOf: $0) } }
    public mutating func f64(_ v: Double) { withUnsafeBytes(of: v.bitPattern.littleEndian) { bytes.append(contentsOf: $0) } }
    public mutating func bool(_ v: Bool) { u8(v ? 1 : 0) }
    public mutating func string(_ s: String) {
        var s = s
        s.withUTF8 { u32(UInt32($0.count)); bytes.append(contentsOf: $0) }
    }
    public mutating func optionalString(_ s: String?) {
        bool(s != nil)
        if let s { string(s) }
    }
    public mutating func doubles(_ a: [Double]) {
        u32(UInt32(a.count))
        a.withUnsafeBytes { raw in
            if UInt32(1).littleEndian == 1 { bytes.append(contentsOf: raw) } else { for v in a { f64(v) } }
        }
    }
    public mutating func days(_ a: [Day]) {
        u32(UInt32(a.count))
        for d in a { i32(d.daysSinceEpoch) }
    }
}

/// A message that could not be decoded: what was wrong and where.
public struct MessageDecodingError: Error, CustomStringConvertible, Sendable {
    public let reason: String
    public init(_ reason: String) { self.reason = reason }
    public var description: String { "undecodable message: \(reason)" }
}

/// Little-endian binary reader; every read checks bounds and throws on truncation.
public struct BinaryReader {
    /// What a read is of, for the error should it fail: built only then.
    public typealias Label = () -> String

    let bytes: [UInt8]
    public private(set) var offset = 0

    public init(_ bytes: [UInt8]) { self.bytes = bytes }

    public var atEnd: Bool { offset == bytes.count }

    mutating func take(_ n: Int, _ what: @autoclosure Label) throws -> Range<Int> {
        guard n >= 0, offset + n <= bytes.count else {
            throw MessageDecodingError("truncated at byte \(offset) reading \(what()) (\(n) bytes wanted, \(bytes.count - offset) left)")
        }
        defer { offset += n }
        return offset..<(offset + n)
    }

    public mutating func u8(_ what: @autoclosure Label = "u8") throws -> UInt8 { bytes[try take(1, what()).lowerBound] }
    public mutating func u16(_ what: @autoclosure Label = "u16") throws -> UInt16 {
        let r = try take(2, what())
        return UInt16(bytes[r.lowerBound]) | UInt16(bytes[r.lowerBound + 1]) << 8
    }
    public mutating func u32(_ what: @autoclosure Label = "u32") throws -> UInt32 {
        let r = try take(4, what())
        var v: UInt32 = 0
        for i in 0..<4 { v |= UInt32(bytes[r.lowerBound + i]) << (8 * UInt32(i)) }
        return v
    }
    public mutating func i32(_ what: @autoclosure Label = "i32") throws -> Int32 { Int32(bitPattern: try u32(what())) }
    public mutating func i64(_ what: @autoclosure Label = "i64") throws -> Int64 {
        let r = try take(8, what())
        var v: UInt64 = 0
        for i in 0..<8 { v |= UInt64(bytes[r.lowerBound + i]) << (8 * UInt64(i)) }
        return Int64(bitPattern: v)
    }
    public mutating func f64(_ what: @autoclosure Label = "f64") throws -> Double { Double(bitPattern: UInt64(bitPattern: try i64(what()))) }
    public mutating func bool(_ what: @autoclosure Label = "bool") throws -> Bool { try u8(what()) != 0 }
    public mutating func count(_ what: @autoclosure Label, max: Int = 50_000_000) throws -> Int {
        let n = Int(try u32(what()))
        guard n <= max else { throw MessageDecodingError("\(what()) count \(n) exceeds \(max)") }
        return n
    }
    /// A length-prefixed string: valid UTF-8 without NUL (PostgreSQL text cannot hold it), at
    /// most `maxBytes` long; anything else is refused, never rewritten.
    public mutating func string(_ what: @autoclosure Label = "string", maxBytes: Int = 1 << 20) throws -> String {
        let n = try count(what() + " length", max: maxBytes)
        let r = try take(n, what())
        let s = try bytes.withUnsafeBufferPointer { all -> String in
            let b = UnsafeBufferPointer(rebasing: all[r])
            guard !b.contains(0) else { throw MessageDecodingError("\(what()) at byte \(r.lowerBound) contains a NUL byte") }
            guard let s = String(validating: b, as: UTF8.self) else {
                throw MessageDecodingError("\(what()) at byte \(r.lowerBound) is not valid UTF-8")
            }
            return s
        }
        return s
    }

    /// A day (days since 1970-01-01) within ``Day/supported``.
    public mutating func day(_ what: @autoclosure Label) throws -> Day {
        let d = Day(daysSinceEpoch: try i32(what()))
        guard Day.supported.contains(d) else {
            throw MessageDecodingError("\(what()) \(d.daysSinceEpoch) days since 1970 is outside \(Day.supported.lowerBound)…\(Day.supported.upperBound)")
        }
        return d
    }
    public mutating func optionalString(_ what: @autoclosure Label = "string", maxBytes: Int = 1 << 20) throws -> String? {
        try bool(what()) ? try string(what(), maxBytes: maxBytes) : nil
    }
    /// ``optionalString(_:maxBytes:)``, but `previous` itself (no copy, no allocation) when the
    /// bytes are its: the predictions of a result mostly name one model file, thousands of times.
    public mutating func optionalString(_ what: @autoclosure Label = "string", maxBytes: Int = 1 << 20,
                                        reusing previous: String?) throws -> String? {
        guard var previous else { return try optionalString(what(), maxBytes: maxBytes) }
        let start = offset
        guard try bool(what()) else { return nil }
        let n = try count(what() + " length", max: maxBytes)
        let same = offset + n <= bytes.count && previous.withUTF8 { p in
            p.count == n && (n == 0 || bytes.withUnsafeBufferPointer {
                memcmp($0.baseAddress! + offset, p.baseAddress!, n) == 0
            })
        }
        if same {
            offset += n
            return previous
        }
        offset = start
        return try optionalString(what(), maxBytes: maxBytes)
    }
    public mutating func doubles(_ what: @autoclosure Label) throws -> [Double] {
        let n = try count(what(), max: (bytes.count - offset) / 8)
        let r = try take(n * 8, what())
        var out = [Double](repeating: 0, count: n)
        out.withUnsafeMutableBytes { dst in
            bytes.withUnsafeBytes { src in dst.copyMemory(from: UnsafeRawBufferPointer(rebasing: src[r])) }
        }
        if UInt32(1).littleEndian != 1 { out = out.map { Double(bitPattern: $0.bitPattern.byteSwapped) } }
        return out
    }
    /// Days in strictly increasing order, each within ``Day/supported``.
    public mutating func days(_ what: @autoclosure Label) throws -> [Day] {
        let n = try count(what())
        var out: [Day] = []
        out.reserveCapacity(min(n, (bytes.count - offset) / 4))
        for i in 0..<n {
            let d = try day(what())
            if let last = out.last, d <= last {
                throw MessageDecodingError("\(what()): day \(i) (\(d)) is not after the previous one (\(last))")
            }
            out.append(d)
        }
        return out
    }
}
