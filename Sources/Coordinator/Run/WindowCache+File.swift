import ClosebellCore
import ClosebellProtocol
import Foundation

/// A ``WindowCache`` kept in a file between runs that are separate processes (`coordinator run`
/// from cron, ``RunOptions/windowCacheDirectory``): what a resident coordinator keeps in memory.
///
/// The file holds, per market, the kept read's days, its snapshot and its rows, then the SHA-256
/// of all that. It is used only when it names the same database and `ohlcv` as the run's
/// (``ClosebellStorage/MarketStore/windowCacheIdentity()``): the snapshot's transaction ids mean
/// nothing elsewhere. A file that is not that, or not whole, is ignored (the run reads every day).
extension WindowCache {
    /// The first bytes of a cache file; a format change changes the version after it.
    static let magic = "closebell-windows", version: UInt8 = 1
    /// The checksum at the end: a string (its length, 4 bytes) of 64 hex digits.
    static let checksumBytes = 4 + 64

    /// The file of `market`'s windows in `directory`: one per market, so two markets' runs at
    /// once never overwrite each other's. Characters beyond letters, digits, `-` and `_` are
    /// written as hex.
    public static func path(in directory: String, market: String) -> String {
        let safe = market.unicodeScalars.map { c -> String in
            ("a"..."z").contains(c) || ("A"..."Z").contains(c) || ("0"..."9").contains(c) || c == "-" || c == "_"
                ? String(c) : String(format: "%%%02x", c.value)
        }.joined()
        return (directory as NSString).appendingPathComponent("\(safe).windows")
    }

    /// Writes what is kept to `path`, whole or not at all (a new file renamed over the old one),
    /// readable by the owner only; `identity` names the database it was read from.
    public func save(to path: String, identity: String) throws {
        var w = BinaryWriter(capacity: 1 << 20)
        w.string(Self.magic)
        w.u8(Self.version)
        w.string(identity)
        w.u32(UInt32(kept.count))
        for (market, k) in kept.sorted(by: { $0.key < $1.key }) {
            w.string(market)
            w.string(k.snapshot)
            w.days(k.days.sorted())
            w.u32(UInt32(k.rows.count))
            for (symbol, s) in k.rows {
                w.string(symbol)
                w.days(s.days)
                for column in [s.open, s.high, s.low, s.close, s.volume] { w.doubles(column) }
            }
        }
        w.string(ContentHash.sha256Hex(w.bytes))
        let directory = (path as NSString).deletingLastPathComponent
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let temporary = path + ".\(getpid()).tmp"
        guard FileManager.default.createFile(atPath: temporary, contents: Data(w.bytes),
                                             attributes: [.posixPermissions: 0o600]) else {
            throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: temporary])
        }
        guard rename(temporary, path) == 0 else {
            let e = errno
            unlink(temporary)
            throw POSIXError(POSIXErrorCode(rawValue: e) ?? .EIO)
        }
        Self.removeStaleTemporaries(of: path)
    }

    /// A save takes well under a second: a temporary file of `path` older than this was left by
    /// a run that died while writing it.
    static let staleTemporaryAge: TimeInterval = 3600

    /// Removes the temporary files of `path` (`<file>.<pid>.tmp`) that a run killed mid-save left
    /// behind, once they are older than ``staleTemporaryAge`` (a run saving right now keeps its own).
    static func removeStaleTemporaries(of path: String, now: Date = Date()) {
        let directory = (path as NSString).deletingLastPathComponent
        let prefix = (path as NSString).lastPathComponent + "."
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: directory) else { return }
        for name in names where name.hasPrefix(prefix) && name.hasSuffix(".tmp") {
            let file = (directory as NSString).appendingPathComponent(name)
            guard let modified = try? FileManager.default.attributesOfItem(atPath: file)[.modificationDate] as? Date,
                  now.timeIntervalSince(modified) > staleTemporaryAge else { continue }
            try? FileManager.default.removeItem(atPath: file)
        }
    }

    /// The cache kept in `path` when it was read from the database `identity` names; otherwise
    /// (no file, another database, a file cut short or changed) nil and why, for the log.
    public static func load(from path: String, identity: String) -> (cache: WindowCache?, problem: String?) {
        guard let bytes = readWhole(path) else {
            return (nil, FileManager.default.fileExists(atPath: path) ? "it cannot be read" : nil)
        }
        do {
            let cache = try decode(bytes, identity: identity)
            return (cache, cache == nil ? "it was read from another database or table" : nil)
        } catch {
            return (nil, "\(error)")
        }
    }

    /// The largest file taken for a cache (a day's windows of 10,000 symbols take about 10 MB).
    static let largestFile = 1 << 31

    /// The whole of the file at `path`, read straight into the array the decoder reads (nil when
    /// it cannot be opened or read, is not a regular file, or is larger than ``largestFile``).
    static func readWhole(_ path: String) -> [UInt8]? {
        let fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK)  // a FIFO put there never blocks the run
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var st = stat()
        guard fstat(fd, &st) == 0, st.st_mode & S_IFMT == S_IFREG, st.st_size >= 0, st.st_size <= largestFile else {
            return nil
        }
        let size = Int(st.st_size)
        var failed = false
        let bytes = [UInt8](unsafeUninitializedCapacity: size) { buffer, count in
            while count < size {
                let n = read(fd, buffer.baseAddress! + count, size - count)
                if n < 0 && errno == EINTR { continue }
                guard n > 0 else { failed = n < 0; break }
                count += n
            }
        }
        return failed ? nil : bytes
    }

    /// The cache in `bytes`; nil when it names another database than `identity`.
    static func decode(_ bytes: [UInt8], identity: String) throws -> WindowCache? {
        let end = bytes.count - checksumBytes
        guard end > 0 else { throw MessageDecodingError("the file is cut short") }
        var tail = BinaryReader(Array(bytes[end...]))
        // The body is hashed and read in place: copying it out cost two passes over ~10 MB.
        let hash = bytes.withUnsafeBytes { ContentHash.sha256Hex(UnsafeRawBufferPointer(rebasing: $0[..<end])) }
        guard try tail.string("checksum", maxBytes: 64) == hash else {
            throw MessageDecodingError("its checksum does not match its content")
        }
        var r = BinaryReader(bytes)
        guard try r.string("magic", maxBytes: 64) == magic, try r.u8("version") == version else {
            throw MessageDecodingError("not a window cache of this version")
        }
        guard try r.string("identity") == identity else { return nil }
        let cache = WindowCache()
        for _ in 0..<(try r.count("markets", max: 10_000)) {
            let market = try r.string("market"), snapshot = try r.string("snapshot")
            let days = try r.days("\(market)'s days")
            var rows: [String: SymbolSeries] = [:]
            let symbols = try r.count("\(market)'s symbols")
            rows.reserveCapacity(min(symbols, max(0, end - r.offset) / 28))  // 28: a symbol's least bytes
            for _ in 0..<symbols {
                let symbol = try r.string("symbol")
                let d = try r.days("\(symbol)'s days")
                let column = { (r: inout BinaryReader) throws -> [Double] in
                    let values = try r.doubles("\(symbol)'s values")
                    guard values.count == d.count else {
                        throw MessageDecodingError("\(symbol): columns of unequal length")
                    }
                    return values
                }
                rows[symbol] = SymbolSeries(symbol: symbol, days: d, open: try column(&r), high: try column(&r),
                                            low: try column(&r), close: try column(&r), volume: try column(&r))
            }
            cache.kept[market] = Kept(days: Set(days), snapshot: snapshot, rows: rows)
        }
        guard r.offset == end else {
            let why = r.offset < end ? "bytes after the last market" : "the last market runs into the checksum"
            throw MessageDecodingError(why)
        }
        return cache
    }
}
