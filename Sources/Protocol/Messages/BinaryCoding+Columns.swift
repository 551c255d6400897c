import ClosebellCore

/// A chunk's columns, compact and exact (protocol version 4).
///
/// Prices and volumes come from decimal text with few decimals (`1972.33`, `11413`): such a
/// column is sent as integers scaled by a power of ten, each as the zig-zag varint of its
/// difference from the one before — two or three bytes a value instead of eight. A column is
/// scaled only when every value comes back bit for bit (`Double(m) / 10^k`, IEEE division
/// rounding to nearest as parsing the decimal did); any other column (a NaN, a `-0.0`, more
/// decimals than ``maxScale``) goes raw. Days go as the first day and varint gaps of at least one.
/// A day of 10,000 symbols × 21 rows of sample data: 2.8 MB of chunks instead of 9.5 MB through the broker.
enum ColumnCoding {
    /// The most decimals a scaled column may have.
    static let maxScale = 8
    static let powers: [Double] = (0...maxScale).map { k in (0..<k).reduce(1.0) { r, _ in r * 10 } }
    /// Values beyond ±2^53 are not integers a double holds exactly: never scaled.
    static let limit = Double(1 << 53)

    /// The scale (decimals) at which every value of `a` comes back exactly, or nil.
    static func scale(of a: [Double]) -> Int? {
        for k in 0...maxScale {
            let p = powers[k]
            if a.allSatisfy({ v in
                // Exactly what the reader computes: Double(Int64(m)) / 10^k.
                let m = (v * p).rounded()
                return abs(m) < limit && (Double(Int64(m)) / p).bitPattern == v.bitPattern
            }) { return k }
        }
        return nil
    }
}

extension BinaryWriter {
    /// An unsigned LEB128 varint.
    mutating func varint(_ v: UInt64) {
        var v = v
        while v >= 0x80 { u8(UInt8(v & 0x7f) | 0x80); v >>= 7 }
        u8(UInt8(v))
    }

    /// A column of doubles: mode 0, then the count and raw values; or mode 1 + k, the count and
    /// the values times 10^k as zig-zag varint differences (see ``ColumnCoding``).
    public mutating func column(_ a: [Double]) {
        guard !a.isEmpty, let k = ColumnCoding.scale(of: a) else {
            u8(0)
            doubles(a)
            return
        }
        u8(UInt8(1 + k))
        u32(UInt32(a.count))
        let p = ColumnCoding.powers[k]
        var previous: Int64 = 0
        for v in a {
            let m = Int64((v * p).rounded())
            let d = m &- previous
            varint(UInt64(bitPattern: (d << 1) ^ (d >> 63)))
            previous = m
        }
    }

    /// Strictly increasing days: count, the first, then each gap (at least 1) as a varint.
    public mutating func dayRun(_ a: [Day]) {
        u32(UInt32(a.count))
        guard let first = a.first else { return }
        i32(first.daysSinceEpoch)
        for (d, next) in zip(a, a.dropFirst()) {
            varint(UInt64(max(0, Int64(next.daysSinceEpoch) - Int64(d.daysSinceEpoch))))
        }
    }
}

extension BinaryReader {
    /// An unsigned LEB128 varint of at most 10 bytes.
    mutating func varint(_ what: @autoclosure Label) throws -> UInt64 {
        var v: UInt64 = 0, shift: UInt64 = 0
        while true {
            let b = try u8(what())
            guard shift < 63 || (shift == 63 && b <= 1) else { throw MessageDecodingError("\(what()): varint too long") }
            v |= UInt64(b & 0x7f) << shift
            if b < 0x80 { return v }
            shift += 7
        }
    }

    /// A column written by ``BinaryWriter/column(_:)``.
    public mutating func column(_ what: @autoclosure Label) throws -> [Double] {
        let mode = Int(try u8(what() + " encoding"))
        guard mode > 0 else { return try doubles(what()) }
        guard mode <= 1 + ColumnCoding.maxScale else { throw MessageDecodingError("\(what()): unknown encoding \(mode)") }
        let n = try count(what(), max: bytes.count - offset)  // a value takes a byte at least
        let p = ColumnCoding.powers[mode - 1]
        var out: [Double] = []
        out.reserveCapacity(n)
        var m: Int64 = 0
        for i in 0..<n {
            let z = try varint(what())
            let d = Int64(bitPattern: z >> 1) ^ -Int64(bitPattern: z & 1)
            let (sum, overflow) = m.addingReportingOverflow(d)
            guard !overflow, sum > -(Int64(1) << 53), sum < Int64(1) << 53 else {
                throw MessageDecodingError("\(what()): value \(i) is out of range")
            }
            m = sum
            out.append(Double(m) / p)
        }
        return out
    }

    /// Days written by ``BinaryWriter/dayRun(_:)``: each within ``Day/supported``, each after the
    /// one before.
    public mutating func dayRun(_ what: @autoclosure Label) throws -> [Day] {
        let n = try count(what(), max: bytes.count - offset)
        guard n > 0 else { return [] }
        var out: [Day] = []
        out.reserveCapacity(n)
        var d = try day(what())
        out.append(d)
        for i in 1..<n {
            let gap = try varint(what())
            guard gap >= 1, gap <= UInt64(Day.supported.upperBound.daysSinceEpoch - d.daysSinceEpoch) else {
                throw MessageDecodingError(
                    "\(what()): day \(i) is not after the previous one (\(d)) within the supported range")
            }
            d = Day(daysSinceEpoch: d.daysSinceEpoch + Int32(gap))
            out.append(d)
        }
        return out
    }
}
