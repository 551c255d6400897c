/// A worker took a chunk and starts computing it. Sent to the results queue; the coordinator
/// starts the chunk's timeout clock from it, so a chunk waiting in a deep queue never times out.
public struct StartedMessage: Sendable, Equatable {
    public var runId: Int64
    public var chunkNo: Int
    public var attempt: Int
    public var worker: String

    public init(runId: Int64, chunkNo: Int, attempt: Int, worker: String) {
        self.runId = runId
        self.chunkNo = chunkNo
        self.attempt = attempt
        self.worker = worker
    }

    public var messageId: String { "started-\(runId)-\(chunkNo)-a\(attempt)" }

    public func encode() -> [UInt8] {
        var w = BinaryWriter(capacity: 64)
        WireFormat.header(&w, .started)
        w.i64(runId); w.u32(UInt32(chunkNo)); w.u16(UInt16(clamping: attempt)); w.string(worker)
        return w.bytes
    }

    public static func decode(_ body: [UInt8]) throws -> StartedMessage {
        var r = try WireFormat.reader(body, expecting: .started)
        let (runId, chunkNo, attempt) = try MessageFields.identity(&r)
        let worker = try r.string("worker", maxBytes: 256)
        guard r.atEnd else { throw MessageDecodingError("\(body.count - r.offset) trailing bytes after started") }
        return StartedMessage(runId: runId, chunkNo: chunkNo, attempt: attempt, worker: worker)
    }
}
