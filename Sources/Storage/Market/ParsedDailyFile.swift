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
    /// The parsed rows, rejects and flags; or why the whole file cannot be used.
    public let content: Result<DailyFile, DataFileError>

    public init(path: String, parser: DailyFileParser) {
        name = DailyFileName.baseName(path)
        guard let data = FileManager.default.contents(atPath: path) else {
            checksum = ""
            content = .failure(DataFileError(file: name, line: nil, reason: "cannot read file"))
            return
        }
        let bytes = [UInt8](data)
        checksum = ContentHash.sha256Hex(bytes)
        do { content = .success(try parser.parse(bytes: bytes, fileName: name)) } catch let e as DataFileError {
            content = .failure(e)
        } catch {
            content = .failure(DataFileError(file: name, line: nil, reason: "\(error)"))
        }
    }

    /// Rows this file would load (0 when it cannot be used).
    public var rows: Int { (try? content.get().bars.count) ?? 0 }
}
