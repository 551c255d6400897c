import NIOCore

/// SMTP's request and reply: a command line out, a (possibly multi-line) reply in, its code checked.
struct SMTPConversation {
    var lines: NIOAsyncChannelInboundStream<ByteBuffer>.AsyncIterator
    let outbound: NIOAsyncChannelOutboundWriter<ByteBuffer>

    /// Reads one reply; its lines without the code (the EHLO features, for example).
    mutating func reply() async throws -> (code: Int, lines: [String]) {
        var texts: [String] = []
        while true {
            guard var buffer = try await lines.next() else { throw NotifyError("the SMTP server closed the connection") }
            let line = buffer.readString(length: buffer.readableBytes) ?? ""
            guard line.count >= 3, let code = Int(line.prefix(3)) else {
                throw NotifyError("not an SMTP reply: \(line.prefix(80))")
            }
            texts.append(String(line.dropFirst(4)))
            if line.count == 3 || line[line.index(line.startIndex, offsetBy: 3)] == " " { return (code, texts) }
        }
    }

    mutating func expect(_ code: Int, or other: Int? = nil) async throws {
        let r = try await reply()
        guard r.code == code || r.code == other else {
            throw NotifyError("SMTP server replied \(r.code) \(r.lines.joined(separator: " ").prefix(200)), expected \(code)")
        }
    }

    /// Sends a command and checks the reply; `redact` keeps credentials and the message out of errors.
    mutating func command(_ text: String, expect code: Int, or other: Int? = nil, redact: Bool = false) async throws -> [String] {
        try await outbound.write(ByteBuffer(string: text + "\r\n"))
        let r = try await reply()
        guard r.code == code || r.code == other else {
            let what = redact ? String(text.prefix(10)) + "…" : text
            throw NotifyError("SMTP server replied \(r.code) \(r.lines.joined(separator: " ").prefix(200)) to \(what)")
        }
        return r.lines
    }
}
