import ClosebellCore
@testable import ClosebellCoordinator
@testable import ClosebellStorage
import Foundation
import Testing

/// A ``WindowCache`` kept in a file between runs from cron: what is read back is what was kept,
/// and a file of another database, cut short or changed is never used (no servers).
@Suite("Window cache: kept in a file")
struct WindowCacheFileTests {
    let day0 = Day(iso: "2025-01-01")!

    func day(_ k: Int) -> Day { Day(daysSinceEpoch: day0.daysSinceEpoch + Int32(k)) }

    /// A cache of two markets, filled by whole reads of 21 days, with a NaN (an empty field) kept.
    func filled() -> WindowCache {
        let cache = WindowCache()
        for market in ["nepse", "b/c"] {
            var a = SymbolSeries(symbol: "A"), b = SymbolSeries(symbol: "BÉ")
            for k in 0...20 {
                a.append(day: day(k), open: .nan, high: 2.5, low: 0.1 + Double(k), close: Double(k) / 3, volume: 1e9)
                if k % 2 == 0 { b.append(day: day(k), open: 1, high: 1, low: 1, close: -0.0, volume: 7) }
            }
            let read = WindowRead(symbols: ["A", "BÉ"], market: market, rows: 21, through: day(20),
                                  days: (0...20).map(day), unfiltered: true)
            _ = cache.store(read, parts: [["A": a, "BÉ": b]], snapshot: "10:12:11")
        }
        return cache
    }

    func folder() throws -> String {
        let dir = NSTemporaryDirectory() + "closebell-window-cache-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        return dir
    }

    /// Each market's kept rows, bit for bit (NaN compared by its bits), its days and snapshot.
    func contents(_ c: WindowCache) -> [String] {
        c.kept.sorted { $0.key < $1.key }.flatMap { market, k in
            ["\(market) \(k.snapshot) \(k.days.sorted())"] + k.rows.sorted { $0.key < $1.key }.map { symbol, s in
                let bits = [s.open, s.high, s.low, s.close, s.volume].map { $0.map(\.bitPattern) }
                return "\(symbol) \(s.days) \(bits)"
            }
        }
    }

    @Test("what is read back equals what was kept, every value's bits, for every market")
    func roundTrip() throws {
        let dir = try folder()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let cache = filled(), path = WindowCache.path(in: dir, market: "nepse")
        try cache.save(to: path, identity: "1/2/3")
        let (back, problem) = WindowCache.load(from: path, identity: "1/2/3")
        #expect(problem == nil)
        #expect(contents(try #require(back)) == contents(cache))
        let mode = try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int
        #expect(mode == 0o600)
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir) == ["nepse.windows"], "a temporary file left")
        #expect(WindowCache.path(in: dir, market: "b/c").hasSuffix("/b%2fc.windows"))
    }

    @Test("a save removes the temporary files a run killed mid-save left, and none being written now")
    func staleTemporariesRemoved() throws {
        let dir = try folder()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = WindowCache.path(in: dir, market: "nepse")
        let fm = FileManager.default
        let left = [("nepse.windows.41.tmp", 7200.0), ("nepse.windows.42.tmp", 5.0), ("other.windows.43.tmp", 7200.0)]
        for (name, age) in left {
            let file = dir + "/" + name
            #expect(fm.createFile(atPath: file, contents: Data([1, 2, 3])))
            try fm.setAttributes([.modificationDate: Date().addingTimeInterval(-age)], ofItemAtPath: file)
        }
        try filled().save(to: path, identity: "1/2/3")
        #expect(try fm.contentsOfDirectory(atPath: dir).sorted()
            == ["nepse.windows", "nepse.windows.42.tmp", "other.windows.43.tmp"])
    }

    @Test("no file, another database, a file cut short or changed: nothing is used, and the log says why")
    func neverUsedWrongly() throws {
        let dir = try folder()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = WindowCache.path(in: dir, market: "nepse")
        let none = WindowCache.load(from: path, identity: "1/2/3")
        #expect(none.cache == nil && none.problem == nil)
        try filled().save(to: path, identity: "1/2/3")
        let other = WindowCache.load(from: path, identity: "1/2/4")
        #expect(other.cache == nil)
        #expect(other.problem?.contains("another database") == true)
        let bytes = try #require(FileManager.default.contents(atPath: path))
        for broken in [bytes.prefix(bytes.count / 2), bytes.prefix(10), Data()] {
            try broken.write(to: URL(fileURLWithPath: path))
            let r = WindowCache.load(from: path, identity: "1/2/3")
            #expect(r.cache == nil && r.problem != nil, "a file cut to \(broken.count) bytes was used")
        }
        var changed = [UInt8](bytes)
        changed[changed.count / 2] ^= 0x01
        try Data(changed).write(to: URL(fileURLWithPath: path))
        let r = WindowCache.load(from: path, identity: "1/2/3")
        #expect(r.cache == nil)
        #expect(r.problem?.contains("checksum") == true)
        // Not a regular file: a FIFO put in its place is refused at once, never waited on.
        try FileManager.default.removeItem(atPath: path)
        #expect(mkfifo(path, 0o600) == 0)
        let fifo = WindowCache.load(from: path, identity: "1/2/3")
        #expect(fifo.cache == nil && fifo.problem?.contains("cannot be read") == true)
    }
}
