/// Thrift's compact protocol, the encoding of Parquet's metadata (page headers and the footer):
/// field headers as deltas of field ids, integers as zigzag varints, strings length-prefixed.
/// Only what writing Parquet metadata needs.
struct ThriftCompactWriter {
    /// Compact-protocol type ids.
    enum FieldType: UInt8 {
        case boolTrue = 1, boolFalse = 2, byte = 3, i16 = 4, i32 = 5, i64 = 6, double = 7, binary = 8, list = 9, set = 10,
             map = 11, structure = 12
    }

    private(set) var bytes: [UInt8] = []
    private var lastField: [Int16] = [0]

    mutating func fieldHeader(_ id: Int16, _ type: FieldType) {
        let delta = id - lastField[lastField.count - 1]
        if delta > 0 && delta <= 15 {
            bytes.append(UInt8(delta) << 4 | type.rawValue)
        } else {
            bytes.append(type.rawValue)
            varint(zigzag(Int64(id)))
        }
        lastField[lastField.count - 1] = id
    }

    mutating func varint(_ v: UInt64) {
        var v = v
        while v >= 0x80 { bytes.append(UInt8(v & 0x7F) | 0x80); v >>= 7 }
        bytes.append(UInt8(v))
    }

    func zigzag(_ v: Int64) -> UInt64 { UInt64(bitPattern: (v << 1) ^ (v >> 63)) }

    mutating func i32(_ id: Int16, _ v: Int32) { fieldHeader(id, .i32); varint(zigzag(Int64(v))) }
    mutating func i64(_ id: Int16, _ v: Int64) { fieldHeader(id, .i64); varint(zigzag(v)) }
    mutating func i8(_ id: Int16, _ v: Int8) { fieldHeader(id, .byte); bytes.append(UInt8(bitPattern: v)) }
    mutating func bool(_ id: Int16, _ v: Bool) { fieldHeader(id, v ? .boolTrue : .boolFalse) }

    mutating func string(_ id: Int16, _ s: String) {
        fieldHeader(id, .binary)
        varint(UInt64(s.utf8.count))
        bytes.append(contentsOf: s.utf8)
    }

    /// A struct field: `body` writes its fields; the stop byte ends it.
    mutating func structure(_ id: Int16, _ body: (inout ThriftCompactWriter) -> Void) {
        fieldHeader(id, .structure)
        structBody(body)
    }

    /// A struct's fields and stop byte (also the top-level message).
    mutating func structBody(_ body: (inout ThriftCompactWriter) -> Void) {
        lastField.append(0)
        body(&self)
        bytes.append(0)  // stop
        lastField.removeLast()
    }

    mutating func listHeader(_ id: Int16, count: Int, of type: FieldType) {
        fieldHeader(id, .list)
        if count < 15 { bytes.append(UInt8(count) << 4 | type.rawValue) } else {
            bytes.append(0xF0 | type.rawValue)
            varint(UInt64(count))
        }
    }

    mutating func i32List(_ id: Int16, _ values: [Int32]) {
        listHeader(id, count: values.count, of: .i32)
        for v in values { varint(zigzag(Int64(v))) }
    }

    mutating func stringList(_ id: Int16, _ values: [String]) {
        listHeader(id, count: values.count, of: .binary)
        for s in values { varint(UInt64(s.utf8.count)); bytes.append(contentsOf: s.utf8) }
    }

    /// A list of structs, each written by `body`.
    mutating func structList<T>(_ id: Int16, _ items: [T], _ body: (inout ThriftCompactWriter, T) -> Void) {
        listHeader(id, count: items.count, of: .structure)
        for item in items { structBody { body(&$0, item) } }
    }
}
