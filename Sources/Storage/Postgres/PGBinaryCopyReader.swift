/// Splits the stream of `COPY … TO STDOUT (FORMAT binary)` into rows, whatever the block
/// boundaries: the header is checked, each row's fields are handed over as ``PGBinaryRow`` (views
/// into the current buffer, valid during the call only), the trailer ends it.
public struct PGBinaryCopyReader {
    /// A malformed stream.
    public struct FormatError: Error, CustomStringConvertible {
        public let description: String
        public init(description: String) { self.description = description }
    }

    static let signature: [UInt8] = Array("PGCOPY\n".utf8) + [0xFF, 0x0D, 0x0A, 0x00]
    var pending: [UInt8] = []
    var headerDone = false
    public private(set) var finished = false
    public private(set) var rows = 0

    public init() {}

    /// Field ranges of the row being parsed, reused from row to row.
    var fields: [Range<Int>?] = []

    /// Feeds a block; calls `row` for each complete row in it. A block holding whole rows (libpq
    /// hands over one row per block) is parsed where it lies; only a partial row is kept.
    public mutating func feed(_ block: UnsafeRawBufferPointer, _ row: (PGBinaryRow) throws -> Void) throws {
        if pending.isEmpty {
            let used = try parse(block, row)
            if used < block.count { pending.append(contentsOf: UnsafeRawBufferPointer(rebasing: block[used...])) }
            return
        }
        var buffer = pending
        pending = []
        buffer.append(contentsOf: block)
        let used = try buffer.withUnsafeBytes { try parse($0, row) }
        buffer.removeFirst(used)
        pending = buffer
    }

    /// Parses the complete rows at the start of `b`; returns the bytes they took.
    mutating func parse(_ b: UnsafeRawBufferPointer, _ row: (PGBinaryRow) throws -> Void) throws -> Int {
        var used = 0
        if !headerDone {
            guard b.count >= 19 else { return 0 }
            guard b.prefix(11).elementsEqual(Self.signature) else {
                throw FormatError(description: "not a binary COPY stream")
            }
            let ext = Int(Self.int32(b, 15))
            guard ext >= 0, b.count >= 19 + ext else { return 0 }
            used = 19 + ext
            headerDone = true
        }
        while !finished, b.count - used >= 2 {
            let n = Int(Int16(bitPattern: UInt16(b[used]) << 8 | UInt16(b[used + 1])))
            if n == -1 { finished = true; used += 2; break }
            guard n >= 0 else { throw FormatError(description: "bad field count \(n)") }
            var p = used + 2
            fields.removeAll(keepingCapacity: true)
            var complete = true
            for _ in 0..<n {
                guard b.count - p >= 4 else { complete = false; break }
                let len = Int(Self.int32(b, p))
                p += 4
                if len < 0 { fields.append(nil); continue }
                guard b.count - p >= len else { complete = false; break }
                fields.append(p..<(p + len))
                p += len
            }
            guard complete else { break }
            try row(PGBinaryRow(bytes: b, fields: fields))
            rows += 1
            used = p
        }
        return used
    }

    static func int32(_ b: UnsafeRawBufferPointer, _ at: Int) -> Int32 {
        Int32(bitPattern: UInt32(b[at]) << 24 | UInt32(b[at + 1]) << 16 | UInt32(b[at + 2]) << 8 | UInt32(b[at + 3]))
    }
}

/// One row of a binary COPY stream: each field's bytes in PostgreSQL's binary format, nil for NULL.
public struct PGBinaryRow {
    let bytes: UnsafeRawBufferPointer
    let fields: [Range<Int>?]

    public var count: Int { fields.count }
    public func isNull(_ i: Int) -> Bool { fields[i] == nil }

    /// The field's raw bytes (text for `text` columns).
    public func raw(_ i: Int) -> UnsafeRawBufferPointer? { fields[i].map { UnsafeRawBufferPointer(rebasing: bytes[$0]) } }

    func bigEndian<T: FixedWidthInteger>(_ i: Int, _: T.Type) -> T? {
        guard let r = fields[i], r.count == MemoryLayout<T>.size else { return nil }
        return T(bigEndian: bytes.loadUnaligned(fromByteOffset: r.lowerBound, as: T.self))
    }

    public func int64(_ i: Int) -> Int64? { bigEndian(i, Int64.self) }
    public func int32(_ i: Int) -> Int32? { bigEndian(i, Int32.self) }
    public func float8(_ i: Int) -> Double? { bigEndian(i, UInt64.self).map(Double.init(bitPattern:)) }
    public func bool(_ i: Int) -> Bool? { fields[i].flatMap { $0.count == 1 ? bytes[$0.lowerBound] != 0 : nil } }
    /// A `date`: days since 1970-01-01.
    public func date(_ i: Int) -> Int32? { int32(i).map { $0 &+ PGDate.epoch } }
    /// A `timestamptz`: microseconds since 1970-01-01 UTC.
    public func timestampMicros(_ i: Int) -> Int64? { int64(i).map { $0 &+ 946_684_800_000_000 } }
}
