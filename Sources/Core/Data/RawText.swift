/// Bytes from outside made safe to show and to store: valid UTF-8 without NUL, and capped.
///
/// A rejected row keeps its raw text, and errors quote the offending field; both end up in
/// PostgreSQL text columns and in log lines. NUL (which PostgreSQL text cannot hold) and bytes
/// that are not UTF-8 are written as `\xNN`; anything longer than the limit is cut, saying how
/// long it was (the row stays identified by its file and line).
public enum RawText {
    /// Bytes of a raw line kept in a reject.
    public static let lineLimit = 1000
    /// Bytes of a field quoted in an error message.
    public static let fieldLimit = 64
    /// The longest symbol accepted, in bytes.
    public static let symbolLimit = 200

    public static func display(_ bytes: UnsafeBufferPointer<UInt8>, limit: Int = lineLimit) -> String {
        let cut = bytes.count > limit
        let head = UnsafeBufferPointer(rebasing: bytes[0..<min(bytes.count, limit)])
        var out: String
        if !head.contains(0), let s = String(validating: head, as: UTF8.self) {
            out = s
        } else {
            out = escaped(head)
        }
        if cut { out += "… (\(bytes.count) bytes in all)" }
        return out
    }

    public static func display(_ s: String, limit: Int = lineLimit) -> String {
        var s = s
        return s.withUTF8 { display($0, limit: limit) }
    }

    /// Valid UTF-8 runs as they are; NUL and invalid bytes as `\xNN`.
    static func escaped(_ bytes: UnsafeBufferPointer<UInt8>) -> String {
        var out = ""
        var i = 0
        while i < bytes.count {
            // The longest valid UTF-8 scalar starting at i (1–4 bytes), else one escaped byte.
            var taken = false
            for n in 1...4 where i + n <= bytes.count {
                let slice = UnsafeBufferPointer(rebasing: bytes[i..<(i + n)])
                if bytes[i] != 0, let s = String(validating: slice, as: UTF8.self) {
                    out += s
                    i += n
                    taken = true
                    break
                }
            }
            if !taken {
                out += "\\x" + String(bytes[i], radix: 16, uppercase: true).leftPadded(2)
                i += 1
            }
        }
        return out
    }
}

extension String {
    func leftPadded(_ n: Int) -> String { count >= n ? self : String(repeating: "0", count: n - count) + self }
}
