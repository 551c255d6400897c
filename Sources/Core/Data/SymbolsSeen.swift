import Foundation

/// The symbols a daily file has loaded so far, to refuse a second row of one symbol.
///
/// Files list their symbols sorted: while each ASCII symbol sorts after the one before, none
/// can repeat, and one byte comparison per row says so. Only a file out of order (or with a
/// non-ASCII symbol, whose equal spellings may differ in bytes) builds a dictionary, from the
/// rows loaded before. Hashing every symbol was a tenth of a bulk ingest's client time.
struct SymbolsSeen {
    /// The last symbol's bytes, while the file is in order (they point into the file's buffer).
    private var last: UnsafeBufferPointer<UInt8>?
    private var inOrder = true
    private var lines: [String: Int] = [:]

    /// The line of `symbol`'s earlier row, if it has one. `bytes` are its UTF-8 bytes in the
    /// file; `file` holds the rows loaded so far.
    mutating func line(of symbol: String, bytes: UnsafeBufferPointer<UInt8>, in file: DailyFile) -> Int? {
        if inOrder {
            if Self.isASCII(bytes), last.map({ Self.precedes($0, bytes) }) ?? true { return nil }
            inOrder = false
            lines.reserveCapacity(file.bars.count * 2)
            for (bar, line) in zip(file.bars, file.lines) { lines[bar.symbol] = line }
        }
        return lines[symbol]
    }

    /// Records the row of `symbol` at `line` (after ``line(of:bytes:in:)`` found none).
    mutating func insert(_ symbol: String, bytes: UnsafeBufferPointer<UInt8>, line: Int) {
        if inOrder { last = bytes } else { lines[symbol] = line }
    }

    static func isASCII(_ b: UnsafeBufferPointer<UInt8>) -> Bool { !b.contains { $0 >= 0x80 } }

    /// Whether `a` sorts strictly before `b`, byte by byte.
    static func precedes(_ a: UnsafeBufferPointer<UInt8>, _ b: UnsafeBufferPointer<UInt8>) -> Bool {
        let n = min(a.count, b.count)
        let c = n == 0 ? 0 : memcmp(a.baseAddress!, b.baseAddress!, n)
        return c < 0 || (c == 0 && a.count < b.count)
    }
}
