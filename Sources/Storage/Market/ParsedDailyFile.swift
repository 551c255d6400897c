import ClosebellCore
import Foundation

/// A daily file read, hashed and parsed — or the reason it could not be — ready for
/// ``MarketStore/load(_:)``. Reading and parsing need no database, so they run in parallel
/// with loading.
public struct ParsedDailyFile: Sendable {
    /// The file's base name (`<market>_YYYYMMDD.csv`), its identity in `ingested_files`.
    public let name: String
    /// SHA-256 of the content: the same content again is a no-op.
    public let checksum: String
    /// The parsed rows, rejects and flags; or why the whole file cannot be used. Empty when
    /// the file was not parsed (``isParsed``).
    public let content: Result<DailyFile, DataFileError>
    /// False when the content's checksum was the one already recorded, so parsing was skipped:
    /// a folder ingested again costs a hash per file, not a parse. ``parsed()`` parses it after
    /// all, should the recorded checksum have changed since.
    public let isParsed: Bool
    let path: String
    let parser: DailyFileParser

    /// Reads, hashes and parses `path`; when its checksum is `recorded` (what `ingested_files`
    /// holds for its name), skips the parse.
    public init(path: String, parser: DailyFileParser, recorded: String? = nil) {
        self.path = path
        self.parser = parser
        name = DailyFileName.baseName(path)
        guard let data = FileManager.default.contents(atPath: path) else {
            checksum = ""
            content = .failure(DataFileError(file: name, line: nil, reason: "cannot read file"))
            isParsed = true
            return
        }
        let bytes = [UInt8](data)
        checksum = ContentHash.sha256Hex(bytes)
        if let recorded, recorded == checksum, let day = DailyFileName(name) {
            content = .success(DailyFile(fileName: name, name: day))
            isParsed = false
            return
        }
        isParsed = true
        do { content = .success(try parser.parse(bytes: bytes, fileName: name)) } catch let e as DataFileError {
            content = .failure(e)
        } catch {
            content = .failure(DataFileError(file: name, line: nil, reason: "\(error)"))
        }
    }

    /// This file parsed: itself, or read and parsed again if the parse was skipped.
    public func parsed() -> ParsedDailyFile { isParsed ? self : ParsedDailyFile(path: path, parser: parser) }

    /// Rows this file would load (0 when it cannot be used or was not parsed).
    public var rows: Int { (try? content.get().bars.count) ?? 0 }
}
