import ClosebellCore

/// Encodes rows in COPY's binary format and streams them to the server in blocks: each value
/// is its length and PostgreSQL's binary representation (big-endian), so a number costs 12
/// bytes and no formatting, and text needs no escaping. Text must hold no NUL byte.
///
/// Values are stored straight into one block of memory (sent at ``blockSize``): appended
/// byte by byte to an array, the checks of every append were a tenth of a bulk ingest's
/// client time. The writer owns the block (it cannot be copied) and frees it when it ends.
public struct PGBinaryCopyWriter: ~Copyable {
    let conn: OpaquePointer
    let columns: Int
    /// The block being filled: `count` of its `capacity` bytes are used.
    var block: UnsafeMutableRawPointer
    var capacity: Int
    var count = 0
    var field = 0
    /// A block is sent once it holds this much (1 MiB).
    static let blockSize = 1 << 20

    init(conn: OpaquePointer, columns: Int) {
        self.conn = conn
        self.columns = columns
        capacity = Self.blockSize + (64 << 10)
        block = .allocate(byteCount: capacity, alignment: 16)
        // Signature, flags (no OIDs), header extension length.
        append(bytes: Array("PGCOPY\n".utf8) + [0xFF, 0x0D, 0x0A, 0x00])
        append(UInt32(0))
        append(UInt32(0))
    }

    deinit { block.deallocate() }

    /// Room for `n` more bytes (a text value longer than the slack grows the block).
    mutating func reserve(_ n: Int) {
        guard count + n > capacity else { return }
        let grown = UnsafeMutableRawPointer.allocate(byteCount: max(capacity * 2, count + n), alignment: 16)
        grown.copyMemory(from: block, byteCount: count)
        block.deallocate()
        block = grown
        capacity = max(capacity * 2, count + n)
    }

    /// An integer, big-endian.
    mutating func append<T: FixedWidthInteger>(_ v: T) {
        reserve(MemoryLayout<T>.size)
        block.storeBytes(of: v.bigEndian, toByteOffset: count, as: T.self)
        count += MemoryLayout<T>.size
    }

    mutating func append(bytes: UnsafeRawBufferPointer) {
        reserve(bytes.count)
        if let base = bytes.baseAddress { (block + count).copyMemory(from: base, byteCount: bytes.count) }
        count += bytes.count
    }

    mutating func append(bytes: [UInt8]) { bytes.withUnsafeBytes { append(bytes: $0) } }

    mutating func startField() {
        if field == 0 { append(UInt16(columns)) }
        field += 1
    }

    /// Appends a text field.
    public mutating func add(_ value: String) {
        var v = value
        v.withUTF8 { add(utf8: $0) }
    }

    /// Appends a text field from UTF-8 bytes.
    public mutating func add(utf8 bytes: UnsafeBufferPointer<UInt8>) {
        startField()
        append(UInt32(bytes.count))
        append(bytes: UnsafeRawBufferPointer(bytes))
    }

    /// Appends a `double precision` field.
    public mutating func add(_ value: Double) {
        startField()
        append(UInt32(8))
        append(value.bitPattern)
    }

    /// Appends a `double precision` field, or NULL when the value is NaN (absent).
    public mutating func add(orNull value: Double) {
        if value.isNaN { addNull() } else { add(value) }
    }

    /// Appends a `boolean` field.
    public mutating func add(_ value: Bool) {
        startField()
        append(UInt32(1))
        append(UInt8(value ? 1 : 0))
    }

    /// Appends an `integer` field.
    public mutating func add(_ value: Int32) {
        startField()
        append(UInt32(4))
        append(UInt32(bitPattern: value))
    }

    /// Appends a `bigint` field.
    public mutating func add(_ value: Int64) {
        startField()
        append(UInt32(8))
        append(UInt64(bitPattern: value))
    }

    /// Appends a `date` field.
    public mutating func add(_ day: Day) { add(day.daysSinceEpoch - PGDate.epoch) }

    /// Appends a NULL.
    public mutating func addNull() {
        startField()
        append(UInt32.max)  // length -1
    }

    /// Ends the current row (it must hold exactly `columns` fields).
    public mutating func endRow() throws {
        precondition(field == columns, "binary COPY row with \(field) fields, expected \(columns)")
        field = 0
        if count >= Self.blockSize { try send() }
    }

    mutating func send() throws {
        try PGConnection.putCopyData(conn, UnsafeRawBufferPointer(start: block, count: count))
        count = 0
    }

    mutating func finish() throws {
        append(UInt16(0xFFFF))  // trailer: field count -1
        try send()
    }
}
