/// Tells every worker to skip the chunks of a cancelled run.
public struct CancelMessage: Sendable, Equatable {
    public var runId: Int64
    public init(runId: Int64) { self.runId = runId }

    public func encode() -> [UInt8] {
        var w = BinaryWriter()
        WireFormat.header(&w, .cancel)
        w.i64(runId)
        return w.bytes
    }

    public static func decode(_ body: [UInt8]) throws -> CancelMessage {
        var r = try WireFormat.reader(body, expecting: .cancel)
        let id = try r.i64("run id")
        guard id > 0 else { throw MessageDecodingError("run id \(id) is not positive") }
        guard r.atEnd else { throw MessageDecodingError("\(body.count - r.offset) trailing bytes after cancel") }
        return CancelMessage(runId: id)
    }
}
