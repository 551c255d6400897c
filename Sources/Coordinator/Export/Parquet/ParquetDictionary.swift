/// A column chunk's dictionary of byte strings: each distinct value once, in first-seen order,
/// already PLAIN-encoded (4-byte length, bytes) as the dictionary page carries it; lookups by
/// an open-addressing hash table over the stored bytes, so a row costs no allocation.
struct ParquetDictionary {
    /// The dictionary page's body.
    private(set) var plain: [UInt8] = []
    private var starts: [Int] = []
    private var table = [Int32](repeating: -1, count: 1024)
    private var last = -1

    var count: Int { starts.count }

    /// Most entries and bytes a dictionary may hold before the chunk falls back to PLAIN.
    static let maxEntries = 1 << 16
    static let maxBytes = 1 << 21

    var isFull: Bool { count >= Self.maxEntries || plain.count >= Self.maxBytes }

    /// The entry's bytes.
    func entry(_ i: Int) -> ArraySlice<UInt8> {
        let s = starts[i]
        let n = Int(UInt32(plain[s]) | UInt32(plain[s + 1]) << 8 | UInt32(plain[s + 2]) << 16 | UInt32(plain[s + 3]) << 24)
        return plain[(s + 4)..<(s + 4 + n)]
    }

    func equals(_ i: Int, _ b: UnsafeRawBufferPointer) -> Bool {
        let e = entry(i)
        return e.count == b.count && e.withUnsafeBytes { $0.elementsEqual(b) }
    }

    /// The index of `b`, added when new.
    mutating func index(of b: UnsafeRawBufferPointer) -> Int {
        if last >= 0, equals(last, b) { return last }
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for c in b { h = (h ^ UInt64(c)) &* 0x100_0000_01b3 }
        let mask = table.count - 1
        var slot = Int(truncatingIfNeeded: h ^ (h >> 29)) & mask
        while table[slot] >= 0 {
            let i = Int(table[slot])
            if equals(i, b) { last = i; return i }
            slot = (slot + 1) & mask
        }
        let i = count
        starts.append(plain.count)
        withUnsafeBytes(of: UInt32(b.count).littleEndian) { plain.append(contentsOf: $0) }
        plain.append(contentsOf: b)
        table[slot] = Int32(i)
        if count * 2 > table.count { grow() }
        last = i
        return i
    }

    private mutating func grow() {
        table = [Int32](repeating: -1, count: table.count * 2)
        let mask = table.count - 1
        for i in 0..<count {
            var h: UInt64 = 0xcbf2_9ce4_8422_2325
            for c in entry(i) { h = (h ^ UInt64(c)) &* 0x100_0000_01b3 }
            var slot = Int(truncatingIfNeeded: h ^ (h >> 29)) & mask
            while table[slot] >= 0 { slot = (slot + 1) & mask }
            table[slot] = Int32(i)
        }
    }

    mutating func reset() {
        plain.removeAll(keepingCapacity: true)
        starts.removeAll(keepingCapacity: true)
        if table.count > 1024 { table = [Int32](repeating: -1, count: 1024) } else {
            for i in table.indices { table[i] = -1 }
        }
        last = -1
    }
}

/// The RLE / bit-packing hybrid (Parquet's encoding of levels and dictionary indices): runs of
/// eight or more equal values as RLE runs, the rest bit-packed in groups of eight.
enum ParquetHybrid {
    static func bitWidth(forMax v: Int) -> Int { max(1, Int.bitWidth - v.leadingZeroBitCount) }

    static func encode(_ values: [UInt32], bitWidth: Int, into out: inout [UInt8]) {
        var packed: [UInt32] = []
        var i = 0
        func varint(_ v: Int) { var v = v; while v >= 0x80 { out.append(UInt8(v & 0x7F) | 0x80); v >>= 7 }; out.append(UInt8(v)) }
        func flushPacked() {
            guard !packed.isEmpty else { return }
            let groups = (packed.count + 7) / 8
            varint(groups << 1 | 1)
            var acc: UInt64 = 0, bits = 0
            for g in 0..<(groups * 8) {
                acc |= UInt64(g < packed.count ? packed[g] : 0) << bits
                bits += bitWidth
                while bits >= 8 { out.append(UInt8(acc & 0xFF)); acc >>= 8; bits -= 8 }
            }
            packed.removeAll(keepingCapacity: true)
        }
        let valueBytes = (bitWidth + 7) / 8
        while i < values.count {
            var j = i + 1
            while j < values.count && values[j] == values[i] { j += 1 }
            if j - i >= 8 && packed.count % 8 == 0 {
                flushPacked()
                varint((j - i) << 1)
                for k in 0..<valueBytes { out.append(UInt8(truncatingIfNeeded: values[i] >> (8 * k))) }
                i = j
            } else {
                packed.append(values[i])
                i += 1
                if packed.count >= 8 * 63 && packed.count % 8 == 0 { flushPacked() }
            }
        }
        flushPacked()
    }
}
