import ClosebellStorage
import Foundation
import Testing

/// The binary COPY stream splitter, whatever the block boundaries.
@Suite("Binary COPY reader")
struct PGBinaryCopyReaderTests {
    /// A stream of `rows` rows of (int8, text or NULL, float8), as PostgreSQL writes it.
    static func stream(rows: Int) -> [UInt8] {
        var b = Array("PGCOPY\n".utf8) + [0xFF, 0x0D, 0x0A, 0x00] + [0, 0, 0, 0] + [0, 0, 0, 4] + [9, 9, 9, 9]
        func i32(_ v: Int32) { withUnsafeBytes(of: v.bigEndian) { b += $0 } }
        for r in 0..<rows {
            b += [0, 3]
            i32(8); withUnsafeBytes(of: Int64(r).bigEndian) { b += $0 }
            if r % 3 == 0 { i32(-1) } else { let t = Array("s\(r),\"q\"".utf8); i32(Int32(t.count)); b += t }
            i32(8); withUnsafeBytes(of: (Double(r) / 7).bitPattern.bigEndian) { b += $0 }
        }
        return b + [0xFF, 0xFF]
    }

    @Test(arguments: [1, 2, 7, 19, 20, 64, 100_000])
    func splitsAnywhere(blockSize: Int) throws {
        let bytes = Self.stream(rows: 500)
        var reader = PGBinaryCopyReader()
        var seen: [(Int64, String?, Double)] = []
        var at = 0
        while at < bytes.count {
            let end = min(bytes.count, at + blockSize)
            try bytes[at..<end].withUnsafeBytes { block in
                try reader.feed(block) { row in
                    seen.append((row.int64(0)!, row.raw(1).map { String(decoding: $0, as: UTF8.self) }, row.float8(2)!))
                }
            }
            at = end
        }
        #expect(reader.finished && reader.rows == 500 && seen.count == 500)
        for (r, s) in seen.enumerated() {
            #expect(s.0 == Int64(r) && s.1 == (r % 3 == 0 ? nil : "s\(r),\"q\"") && s.2 == Double(r) / 7)
        }
    }

    @Test func refusesWhatIsNotACopyStream() {
        var reader = PGBinaryCopyReader()
        let junk = Array("COPY 1\nhello world, not binary".utf8)
        #expect(throws: PGBinaryCopyReader.FormatError.self) { try junk.withUnsafeBytes { try reader.feed($0) { _ in } } }
    }
}
