import CLibPQ

/// Encodes rows in COPY text format and streams them to the server in blocks.
public struct PGCopyWriter {
    let conn: OpaquePointer
    var buffer: [UInt8] = []
    var field = 0

    init(conn: OpaquePointer) {
        self.conn = conn
        buffer.reserveCapacity(1 << 20)
    }

    /// Appends one field (nil = NULL); fields are tab-separated, escaped as COPY requires.
    public mutating func add(_ value: String?) {
        if field > 0 { buffer.append(0x09) }
        field += 1
        guard let value else { buffer.append(contentsOf: [0x5C, 0x4E]); return }  // \N
        for b in value.utf8 {
            switch b {
            case 0x5C: buffer.append(0x5C); buffer.append(0x5C)
            case 0x09: buffer.append(0x5C); buffer.append(UInt8(ascii: "t"))
            case 0x0A: buffer.append(0x5C); buffer.append(UInt8(ascii: "n"))
            case 0x0D: buffer.append(0x5C); buffer.append(UInt8(ascii: "r"))
            default: buffer.append(b)
            }
        }
    }

    /// Appends an integer field without going through String.
    public mutating func add(_ value: Int) {
        if field > 0 { buffer.append(0x09) }
        field += 1
        var v = value
        if v < 0 { buffer.append(UInt8(ascii: "-")); v = -v }
        var digits: (UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8,
                     UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8) =
            (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
        var n = 0
        withUnsafeMutableBytes(of: &digits) { d in
            repeat { d[n] = UInt8(48 + v % 10); v /= 10; n += 1 } while v > 0
            for i in stride(from: n - 1, through: 0, by: -1) { buffer.append(d[i]) }
        }
    }

    /// Appends a double with full round-trip precision.
    public mutating func add(_ value: Double) {
        add(value.pgText)
    }

    /// Appends a double, or NULL when it is NaN (a value that was absent).
    public mutating func add(orNull value: Double) {
        if value.isNaN { add(nil as String?) } else { add(value) }
    }

    /// Ends the current row.
    public mutating func endRow() throws {
        buffer.append(0x0A)
        field = 0
        if buffer.count >= 1 << 20 { try flush() }
    }

    mutating func flush() throws {
        guard !buffer.isEmpty else { return }
        try PGConnection.putCopyData(conn, &buffer)
    }
}
