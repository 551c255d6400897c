/// The message contract between coordinator and workers, version 4.
///
/// Every body starts with the magic bytes `CB`, the protocol version and the message kind, so a
/// worker can refuse (dead-letter with a reason) anything it does not understand. Every field is
/// checked where it is decoded: a message that decodes is safe to act on (though a result must
/// still match its chunk, which only the coordinator can check).
///
/// Version 2 added the chunk's flags (fallback-only) and the `started` message; version 3 the
/// chunk's first day (a backfill predicts every day from it through the as-of day) and the day
/// of each prediction, failure and skip in a result; version 4 a chunk's days and prices as
/// compact exact columns (``ColumnCoding``).
public enum WireFormat {
    public static let version: UInt8 = 4
    static let magic: (UInt8, UInt8) = (0x43, 0x42)  // "CB"

    /// The kinds of message.
    public enum Kind: UInt8, Sendable {
        case chunk = 1, result = 2, cancel = 3, started = 4
        public var typeName: String { ["", "chunk", "result", "cancel", "started"][Int(rawValue)] }
    }

    static func header(_ w: inout BinaryWriter, _ kind: Kind) {
        w.u8(magic.0); w.u8(magic.1); w.u8(version); w.u8(kind.rawValue)
    }

    /// Reads and checks the header; returns the kind.
    public static func kind(of body: [UInt8]) throws -> Kind {
        guard body.count >= 4 else { throw MessageDecodingError("\(body.count)-byte body is too short for a Closebell message") }
        guard body[0] == magic.0, body[1] == magic.1 else { throw MessageDecodingError("not a Closebell message (bad magic bytes)") }
        guard body[2] == version else {
            throw MessageDecodingError("unknown protocol version \(body[2]) (this build speaks version \(version))")
        }
        guard let k = Kind(rawValue: body[3]) else { throw MessageDecodingError("unknown message kind \(body[3])") }
        return k
    }

    static func reader(_ body: [UInt8], expecting kind: Kind) throws -> BinaryReader {
        let k = try WireFormat.kind(of: body)
        guard k == kind else { throw MessageDecodingError("expected a \(kind.typeName) message, got \(k.typeName)") }
        var r = BinaryReader(body)
        _ = try r.u32()
        return r
    }
}
