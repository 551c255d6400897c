import Crypto
import Foundation

/// The dashboard's secrets, kept only as salted SHA-256 digests: an admin and a viewer password
/// (for the pages' sign-in) and an admin and a viewer token (for API clients). Candidates are
/// compared digest to digest in constant time, every configured secret checked every time.
public struct DashboardCredentials: Sendable {
    private struct Entry: Sendable {
        let role: DashboardRole
        let isToken: Bool
        let digest: [UInt8]
    }

    private let saltBytes: [UInt8]
    private let entries: [Entry]
    private let sessionKeyBytes: [UInt8]
    private var salt: SymmetricKey { SymmetricKey(data: saltBytes) }
    /// Signs session cookies and CSRF tokens. Derived from the secrets when there are any, so
    /// sessions survive a restart and die with a changed password; random otherwise.
    var sessionKey: SymmetricKey { SymmetricKey(data: sessionKeyBytes) }

    /// Empty or nil secrets are not configured.
    public init(adminPassword: String? = nil, adminToken: String? = nil, viewerPassword: String? = nil,
                viewerToken: String? = nil) {
        let given: [(DashboardRole, Bool, String?)] = [
            (.admin, false, adminPassword), (.admin, true, adminToken), (.viewer, false, viewerPassword),
            (.viewer, true, viewerToken),
        ]
        let configured = given.compactMap { role, isToken, secret in
            secret.flatMap { $0.isEmpty ? nil : (role, isToken, $0) }
        }
        if configured.isEmpty {
            saltBytes = SymmetricKey(size: .bits256).withUnsafeBytes { Array($0) }
            sessionKeyBytes = SymmetricKey(size: .bits256).withUnsafeBytes { Array($0) }
        } else {
            // A fixed derivation, so that the same secrets give the same session key after a restart.
            var h = SHA256()
            for (role, isToken, secret) in configured {
                h.update(data: Data("\(role.rawValue)|\(isToken)|\(secret)|".utf8))
            }
            let seed = SymmetricKey(data: Data(h.finalize()))
            saltBytes = Array(HMAC<SHA256>.authenticationCode(for: Data("closebell salt".utf8), using: seed))
            sessionKeyBytes = Array(HMAC<SHA256>.authenticationCode(for: Data("closebell session".utf8), using: seed))
        }
        let salt = SymmetricKey(data: saltBytes)
        entries = configured.map { Entry(role: $0.0, isToken: $0.1, digest: Self.digest($0.2, salt: salt)) }
    }

    /// True when no secret is configured: the dashboard is open (allowed on loopback only).
    public var isOpen: Bool { entries.isEmpty }

    /// Whether a password (for signing in) is configured.
    public var hasPassword: Bool { entries.contains { !$0.isToken } }

    /// The role a password signs in as, or nil.
    public func role(password: String) -> DashboardRole? { match(password, tokens: false) }

    /// The role an API token grants, or nil.
    public func role(token: String) -> DashboardRole? { match(token, tokens: true) }

    private func match(_ candidate: String, tokens: Bool) -> DashboardRole? {
        let d = Self.digest(candidate, salt: salt)
        var found: DashboardRole?
        for e in entries where e.isToken == tokens {
            if Self.constantTimeEqual(d, e.digest) && found == nil { found = e.role }
        }
        return found
    }

    static func digest(_ secret: String, salt: SymmetricKey) -> [UInt8] {
        Array(HMAC<SHA256>.authenticationCode(for: Data(secret.utf8), using: salt))
    }

    /// Equal length and bytes, in time that depends only on the length.
    static func constantTimeEqual(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        guard a.count == b.count else { return false }
        var diff: UInt8 = 0
        for i in a.indices { diff |= a[i] ^ b[i] }
        return diff == 0
    }
}
