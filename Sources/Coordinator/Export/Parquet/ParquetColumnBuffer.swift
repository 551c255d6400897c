import ClosebellStorage

/// One column's values for the row group being written: PLAIN-encoded values — or, for text,
/// dictionary indices while the dictionary stays small (``ParquetDictionary``) — and for a
/// nullable column its definition levels (1 present, 0 NULL) run-length encoded as they arrive
/// (the RLE/bit-packing hybrid with bit width 1, RLE runs only).
struct ParquetColumnBuffer {
    let column: ExportColumn
    var values: [UInt8] = []
    var dictionary = ParquetDictionary()
    var indices: [UInt32] = []
    /// Text goes through the dictionary until it grows too big for this row group.
    var usesDictionary: Bool
    var levels: [UInt8] = []
    var count = 0
    var nonNull = 0
    private var run: (level: UInt8, length: Int)? = nil
    private var bits: UInt8 = 0
    private var bitCount = 0

    init(column: ExportColumn) {
        self.column = column
        usesDictionary = column.kind == .text
    }

    mutating func append(_ row: PGBinaryRow, _ i: Int) {
        count += 1
        let present = !row.isNull(i)
        if column.nullable { level(present ? 1 : 0) }
        guard present else { return }
        nonNull += 1
        switch column.kind {
        case .text:
            let b = row.raw(i)!
            if usesDictionary {
                indices.append(UInt32(dictionary.index(of: b)))
                if dictionary.isFull { fallBackToPlain() }
            } else {
                le(UInt32(b.count))
                values.append(contentsOf: b)
            }
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

    /// The row group's values so far written out PLAIN; the rest of the group follows suit.
    mutating func fallBackToPlain() {
        for i in indices {
            let e = dictionary.entry(Int(i))
            le(UInt32(e.count))
            values.append(contentsOf: e)
        }
        indices.removeAll(keepingCapacity: true)
        dictionary.reset()
        usesDictionary = false
    }

    /// The column chunk's pages: the dictionary page's body and entry count when the chunk is
    /// dictionary-encoded, and the data page's body — the levels (length-prefixed), then the
    /// values or the indices (bit width, then the hybrid encoding). The buffer empties.
    mutating func takePages() -> (dictionary: (body: [UInt8], count: Int)?, data: [UInt8]) {
        if bitCount > 0 { values.append(bits); bits = 0; bitCount = 0 }
        var page: [UInt8] = []
        if column.nullable {
            flushRun()
            withUnsafeBytes(of: UInt32(levels.count).littleEndian) { page.append(contentsOf: $0) }
            page += levels
        }
        var dict: (body: [UInt8], count: Int)?
        if usesDictionary {
            let width = ParquetHybrid.bitWidth(forMax: max(0, dictionary.count - 1))
            page.append(UInt8(width))
            ParquetHybrid.encode(indices, bitWidth: width, into: &page)
            dict = (dictionary.plain, dictionary.count)
        } else {
            page += values
        }
        values.removeAll(keepingCapacity: true)
        levels.removeAll(keepingCapacity: true)
        indices.removeAll(keepingCapacity: true)
        dictionary.reset()
        usesDictionary = column.kind == .text
        count = 0
        nonNull = 0
        return (dict, page)
    }
}
