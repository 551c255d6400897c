#if canImport(Glibc)
import Glibc
#endif
import Foundation

/// Tells which files of a folder were finished: closed after writing, or moved in (Linux
/// inotify's `IN_CLOSE_WRITE` and `IN_MOVED_TO`). A file still being written is never named, so
/// a half-copied daily file is not ingested. Where inotify sees nothing (another platform, a
/// network file system), ``DailyWatch``'s periodic rescan finds the files instead.
final class InboxWatch {
    let folder: String
    private var fd: Int32 = -1
    private var buffer = [UInt8](repeating: 0, count: 64 * 1024)

    /// Watches `folder`; throws when it is not a folder or inotify refuses it.
    init(folder: String) throws {
        self.folder = folder
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: folder, isDirectory: &isDir), isDir.boolValue else {
            throw WatchError("inbox \(folder): no such folder")
        }
        #if os(Linux)
        fd = inotify_init1(Int32(IN_CLOEXEC) | Int32(IN_NONBLOCK))
        guard fd >= 0 else { throw WatchError("inbox \(folder): inotify: \(String(cString: strerror(errno)))") }
        guard inotify_add_watch(fd, folder, UInt32(IN_CLOSE_WRITE) | UInt32(IN_MOVED_TO)) >= 0 else {
            let why = String(cString: strerror(errno))
            close(fd)
            fd = -1
            throw WatchError("inbox \(folder): cannot watch it: \(why)")
        }
        #endif
    }

    deinit { if fd >= 0 { close(fd) } }

    /// Whether files are noticed as they are finished (false: only by rescanning).
    var notices: Bool { fd >= 0 }

    /// Set when the kernel's event queue overflowed (events were dropped): the caller rescans.
    var overflowed = false

    /// Waits up to `timeout` for files to be finished and returns their names (empty on timeout;
    /// without inotify it just sleeps). Interrupted waits (a signal) return early, empty.
    func wait(timeout: Duration) -> [String] {
        let ms = Int32(max(0, min(Double(Int32.max), timeout.seconds * 1000)))
        guard fd >= 0 else {
            usleep(UInt32(ms) * 1000)
            return []
        }
        var p = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        guard poll(&p, 1, ms) > 0 else { return [] }
        var names: [String] = []
        while true {
            let n = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            guard n > 0 else { break }
            names += Self.names(in: buffer[0..<n], overflow: &overflowed)
        }
        return names
    }

    /// The file names in a run of `inotify_event` records (each: wd, mask, cookie, len, name
    /// padded with NULs to `len` bytes); `overflow` is set by an `IN_Q_OVERFLOW` record.
    static func names(in bytes: ArraySlice<UInt8>, overflow: inout Bool) -> [String] {
        var out: [String] = []
        var i = bytes.startIndex
        let header = 16
        while i + header <= bytes.endIndex {
            let offset = i - bytes.startIndex
            let mask = bytes.withUnsafeBytes { $0.loadUnaligned(fromByteOffset: offset + 4, as: UInt32.self) }
            let len = Int(bytes.withUnsafeBytes { $0.loadUnaligned(fromByteOffset: offset + 12, as: UInt32.self) })
            if mask & 0x4000 != 0 { overflow = true }  // IN_Q_OVERFLOW
            let start = i + header, end = min(bytes.endIndex, start + len)
            let raw = bytes[start..<end].prefix { $0 != 0 }
            if !raw.isEmpty { out.append(String(decoding: raw, as: UTF8.self)) }
            i = end
        }
        return out
    }
}

/// Why the inbox cannot be watched.
public struct WatchError: Error, CustomStringConvertible {
    public let description: String
    init(_ description: String) { self.description = description }
}
