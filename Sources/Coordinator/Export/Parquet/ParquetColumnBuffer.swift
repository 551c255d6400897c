import ClosebellStorage

/// One column's values for the row group being written: PLAIN-encoded values, and for a nullable
/// column its definition levels (1 present, 0 NULL) run-length encoded as they arrive
/// (the RLE/bit-packing hybrid with bit width 1, RLE runs only).
struct ParquetColumnBuffer {
    let column: ExportColumn
    var values: [UInt8] = []
    var levels: [UInt8] = []
    var count = 0
    var nonNull = 0
    private var run: (level: UInt8, length: Int)? = nil
    private var bits: UInt8 = 0
    private var bitCount = 0

    init(column: ExportColumn) { self.column = column }

    mutating func append(_ row: PGBinaryRow, _ i: Int) {
        count += 1
        let present = !row.isNull(i)
        if column.nullable { level(present ? 1 : 0) }
        guard present else { return }
        nonNull += 1
        switch column.kind {
        case .text:
            let b = row.raw(i)!
            le(UInt32(b.count))
            values.append(contentsOf: b)
        case .date: le(UInt32(bitPattern: row.date(i)!))
        case .int32: le(UInt32(bitPattern: row.int32(i)!))
        case .double: le(row.float8(i)!.bitPattern)
        case .int64: le(UInt64(bitPattern: row.int64(i)!))
        case .timestamp: le(UInt64(bitPattern: row.timestampMicros(i)!))
        case .bool:
            if row.bool(i)! { bits |= 1 << bitCount }
            bitCount += 1
            if bitCount == 8 { values.append(bits); bits = 0; bitCount = 0 }
        }
    }

    @inline(__always) mutating func le<T: FixedWidthInteger>(_ v: T) {
        withUnsafeBytes(of: v.littleEndian) { values.append(contentsOf: $0) }
    }

    mutating func level(_ l: UInt8) {
        if let r = run, r.level == l { run = (l, r.length + 1); return }
        flushRun()
        run = (l, 1)
    }

    mutating func flushRun() {
        guard let r = run else { return }
        var header = UInt64(r.length) << 1
        while header >= 0x80 { levels.append(UInt8(header & 0x7F) | 0x80); header >>= 7 }
        levels.append(UInt8(header))
        levels.append(r.level)
        run = nil
    }

    /// The data page's body: the levels (length-prefixed) then the values; the buffer empties.
    mutating func takePage() -> [UInt8] {
        if bitCount > 0 { values.append(bits); bits = 0; bitCount = 0 }
        var page: [UInt8] = []
        if column.nullable {
            flushRun()
            withUnsafeBytes(of: UInt32(levels.count).littleEndian) { page.append(contentsOf: $0) }
            page += levels
        }
        page += values
        values.removeAll(keepingCapacity: true)
        levels.removeAll(keepingCapacity: true)
        count = 0
        nonNull = 0
        return page
    }
}
