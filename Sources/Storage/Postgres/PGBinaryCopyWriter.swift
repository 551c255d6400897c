import ClosebellCore

/// Encodes rows in COPY's binary format and streams them to the server in blocks: each value
/// is its length and PostgreSQL's binary representation (big-endian), so a number costs 12
/// bytes and no formatting, and text needs no escaping. Text must hold no NUL byte.
public struct PGBinaryCopyWriter {
    let conn: OpaquePointer
    let columns: Int
    var buffer: [UInt8] = []
    var field = 0
    /// 2000-01-01, PostgreSQL's epoch for dates, in days after 1970-01-01.
    static let postgresEpoch: Int32 = 10_957

    init(conn: OpaquePointer, columns: Int) {
        self.conn = conn
        self.columns = columns
        buffer.reserveCapacity(1 << 20)
        // Signature, flags (no OIDs), header extension length.
        buffer.append(contentsOf: Array("PGCOPY\n".utf8) + [0xFF, 0x0D, 0x0A, 0x00])
        append(UInt32(0))
        append(UInt32(0))
    }

    mutating func append(_ v: UInt16) { buffer.append(UInt8(v >> 8)); buffer.append(UInt8(v & 0xFF)) }

    mutating func append(_ v: UInt32) {
        buffer.append(UInt8(v >> 24)); buffer.append(UInt8((v >> 16) & 0xFF))
        buffer.append(UInt8((v >> 8) & 0xFF)); buffer.append(UInt8(v & 0xFF))
    }

    mutating func append(_ v: UInt64) {
        append(UInt32(truncatingIfNeeded: v >> 32))
        append(UInt32(truncatingIfNeeded: v))
    }

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
        buffer.append(contentsOf: bytes)
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
        buffer.append(value ? 1 : 0)
    }

    /// Appends an `integer` field.
    public mutating func add(_ value: Int32) {
        startField()
        append(UInt32(4))
        append(UInt32(bitPattern: value))
    }

    /// Appends a `date` field.
    public mutating func add(_ day: Day) { add(day.daysSinceEpoch - Self.postgresEpoch) }

    /// Appends a NULL.
    public mutating func addNull() {
        startField()
        append(UInt32.max)  // length -1
    }

    /// Ends the current row (it must hold exactly `columns` fields).
    public mutating func endRow() throws {
        precondition(field == columns, "binary COPY row with \(field) fields, expected \(columns)")
        field = 0
        if buffer.count >= 1 << 20 { try PGConnection.putCopyData(conn, &buffer) }
    }

    mutating func finish() throws {
        append(UInt16(0xFFFF))  // trailer: field count -1
        try PGConnection.putCopyData(conn, &buffer)
    }
}
