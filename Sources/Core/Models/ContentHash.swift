import Crypto

/// Content hashes: SHA-256 from swift-crypto, as 64 lowercase hex characters. Used for model
/// identities (which model computed a prediction) and ingest checksums (re-ingest is a no-op).
public enum ContentHash {
    private static let digits = Array("0123456789abcdef".utf8)

    public static func sha256Hex(_ data: [UInt8]) -> String {
        data.withUnsafeBytes { sha256Hex($0) }
    }

    /// ``sha256Hex(_:)`` of bytes in place (a part of a larger buffer, without copying it out).
    public static func sha256Hex(_ data: UnsafeRawBufferPointer) -> String {
        var out = [UInt8]()
        out.reserveCapacity(64)
        for b in SHA256.hash(data: data) {
            out.append(digits[Int(b >> 4)])
            out.append(digits[Int(b & 0x0F)])
        }
        return String(decoding: out, as: UTF8.self)
    }
}
