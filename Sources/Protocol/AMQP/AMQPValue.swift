import Foundation
import CRabbitMQ

/// A value in an AMQP field table (message headers, queue arguments).
public enum AMQPValue: Sendable, Equatable, CustomStringConvertible {
    case string(String)
    case int(Int64)
    case double(Double)
    case bool(Bool)
    case timestamp(UInt64)
    case array([AMQPValue])
    case table([String: AMQPValue])
    case bytes([UInt8])
    case void

    public var stringValue: String? { if case .string(let s) = self { return s }; return nil }
    public var intValue: Int64? { if case .int(let i) = self { return i }; return nil }
    public var tableValue: [String: AMQPValue]? { if case .table(let t) = self { return t }; return nil }
    public var arrayValue: [AMQPValue]? { if case .array(let a) = self { return a }; return nil }

    public var description: String {
        switch self {
        case .string(let s): return s
        case .int(let i): return String(i)
        case .double(let d): return String(d)
        case .bool(let b): return String(b)
        case .timestamp(let t): return "ts:\(t)"
        case .array(let a): return "[" + a.map(\.description).joined(separator: ",") + "]"
        case .table(let t): return "{" + t.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: ",") + "}"
        case .bytes(let b): return "<\(b.count) bytes>"
        case .void: return "void"
        }
    }
}

extension amqp_bytes_t {
    /// Copies the bytes into a Swift string (UTF-8, lossy).
    var string: String {
        guard len > 0, let bytes else { return "" }
        return String(decoding: UnsafeRawBufferPointer(start: bytes, count: len), as: UTF8.self)
    }

    var array: [UInt8] {
        guard len > 0, let bytes else { return [] }
        return Array(UnsafeRawBufferPointer(start: bytes, count: len))
    }
}

enum AMQPTableCodec {
    /// Decodes a C field table into Swift values (copying everything).
    static func decode(_ table: amqp_table_t) -> [String: AMQPValue] {
        var out: [String: AMQPValue] = [:]
        guard table.num_entries > 0, let entries = table.entries else { return out }
        for i in 0..<Int(table.num_entries) {
            out[entries[i].key.string] = decode(entries[i].value)
        }
        return out
    }

    static func decode(_ value: amqp_field_value_t) -> AMQPValue {
        switch Character(UnicodeScalar(value.kind)) {
        case "t": return .bool(value.value.boolean != 0)
        case "b": return .int(Int64(value.value.i8))
        case "B": return .int(Int64(value.value.u8))
        case "s": return .int(Int64(value.value.i16))
        case "u": return .int(Int64(value.value.u16))
        case "I": return .int(Int64(value.value.i32))
        case "i": return .int(Int64(value.value.u32))
        case "l": return .int(value.value.i64)
        case "L": return .int(Int64(bitPattern: value.value.u64))
        case "f": return .double(Double(value.value.f32))
        case "d": return .double(value.value.f64)
        case "S": return .string(value.value.bytes.string)
        case "x": return .bytes(value.value.bytes.array)
        case "T": return .timestamp(value.value.u64)
        case "F": return .table(decode(value.value.table))
        case "A":
            let arr = value.value.array
            guard arr.num_entries > 0, let entries = arr.entries else { return .array([]) }
            return .array((0..<Int(arr.num_entries)).map { decode(entries[$0]) })
        default: return .void
        }
    }

    /// Builds a C field table for the duration of `body`. Supports flat tables of scalars.
    static func withTable<R>(_ dict: [String: AMQPValue], _ body: (amqp_table_t) throws -> R) rethrows -> R {
        if dict.isEmpty { return try body(amqp_table_t(num_entries: 0, entries: nil)) }
        var allocations: [UnsafeMutablePointer<CChar>] = []
        defer { allocations.forEach { free($0) } }
        func bytes(_ s: String) -> amqp_bytes_t {
            let p = strdup(s)!
            allocations.append(p)
            return amqp_bytes_t(len: strlen(p), bytes: UnsafeMutableRawPointer(p))
        }
        let entries = UnsafeMutablePointer<amqp_table_entry_t>.allocate(capacity: dict.count)
        defer { entries.deallocate() }
        for (i, (key, value)) in dict.sorted(by: { $0.key < $1.key }).enumerated() {
            var field = amqp_field_value_t()
            switch value {
            case .string(let s):
                field.kind = UInt8(ascii: "S"); field.value.bytes = bytes(s)
            case .int(let n):
                field.kind = UInt8(ascii: "l"); field.value.i64 = n
            case .double(let d):
                field.kind = UInt8(ascii: "d"); field.value.f64 = d
            case .bool(let b):
                field.kind = UInt8(ascii: "t"); field.value.boolean = b ? 1 : 0
            case .timestamp(let t):
                field.kind = UInt8(ascii: "T"); field.value.u64 = t
            default:
                field.kind = UInt8(ascii: "V")
            }
            (entries + i).initialize(to: amqp_table_entry_t(key: bytes(key), value: field))
        }
        return try body(amqp_table_t(num_entries: Int32(dict.count), entries: entries))
    }
}
