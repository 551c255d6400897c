import Foundation

/// A buffered byte stream to a file or standard output, counting what it wrote (Parquet's
/// metadata records offsets). Writes go out in 1 MiB blocks.
public final class ExportOutput {
    /// Where writing failed, with the path.
    public struct WriteError: Error, CustomStringConvertible {
        public let description: String
    }

    let fd: Int32
    let path: String
    let ownsFile: Bool
    var buffer: [UInt8] = []
    public private(set) var offset = 0
    static let blockSize = 1 << 20

    /// `-` is standard output; anything else is created or truncated (mode 0644).
    public init(path: String) throws {
        self.path = path
        if path == "-" {
            fd = STDOUT_FILENO
            ownsFile = false
        } else {
            fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
            guard fd >= 0 else { throw WriteError(description: "cannot create \(path): \(String(cString: strerror(errno)))") }
            ownsFile = true
        }
        buffer.reserveCapacity(Self.blockSize + 4096)
    }

    deinit { if ownsFile { Foundation.close(fd) } }

    @inline(__always)
    public func write(_ bytes: UnsafeRawBufferPointer) throws {
        buffer.append(contentsOf: bytes)
        offset += bytes.count
        if buffer.count >= Self.blockSize { try flush() }
    }

    public func write(_ bytes: [UInt8]) throws { try bytes.withUnsafeBytes { try write($0) } }

    public func write(_ text: String) throws {
        var t = text
        try t.withUTF8 { try write(UnsafeRawBufferPointer($0)) }
    }

    /// Sends the buffer to the file.
    public func flush() throws {
        var done = 0
        try buffer.withUnsafeBytes { b in
            while done < b.count {
                let n = Foundation.write(fd, b.baseAddress! + done, b.count - done)
                if n < 0 {
                    if errno == EINTR { continue }
                    let target = path == "-" ? "standard output" : path
                    throw WriteError(description: "cannot write \(target): \(String(cString: strerror(errno)))")
                }
                done += n
            }
        }
        buffer.removeAll(keepingCapacity: true)
    }

    /// Flushes (as `COPY … TO` and pandas do, without waiting for the disk: the file is whole
    /// once the command exits 0; a failed export removes it).
    public func close() throws {
        try flush()
    }
}
