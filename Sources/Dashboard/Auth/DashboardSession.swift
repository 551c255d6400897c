import Crypto
import Foundation

/// A browser session, carried in a signed cookie (HttpOnly, SameSite=Strict): an id, the role
/// signed in (nil before sign-in) and an expiry. Nothing is stored server-side, so the dashboard
/// keeps no state of its own; the CSRF token is an HMAC of the session id.
public struct DashboardSession: Sendable, Equatable {
    public static let cookieName = "closebell_session"
    /// Sessions last 12 hours.
    public static let lifetime: TimeInterval = 12 * 3600

    public let id: String
    public let role: DashboardRole?
    public let expires: Date

    public init(id: String = DashboardSession.newID(), role: DashboardRole?, expires: Date = Date() + lifetime) {
        self.id = id
        self.role = role
        self.expires = Date(timeIntervalSince1970: expires.timeIntervalSince1970.rounded(.down))
    }

    /// 128 random bits, hex.
    public static func newID() -> String {
        SymmetricKey(size: .bits128).withUnsafeBytes { Data($0) }.map { String(format: "%02x", $0) }.joined()
    }

    /// `id.role.expiry.signature`: every part cookie-safe.
    public func cookieValue(key: SymmetricKey) -> String {
        let body = "\(id).\(role?.rawValue ?? "-").\(Int(expires.timeIntervalSince1970))"
        return body + "." + Self.sign(body, key: key)
    }

    /// The session a cookie carries, when its signature is right and it has not expired.
    public init?(cookie: String, key: SymmetricKey, now: Date = Date()) {
        let parts = cookie.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
        guard parts.count == 4 else { return nil }
        let body = parts[0...2].joined(separator: ".")
        guard DashboardCredentials.constantTimeEqual(Array(Self.sign(body, key: key).utf8), Array(parts[3].utf8)),
              let expiry = Int(parts[2]), Double(expiry) > now.timeIntervalSince1970,
              parts[0].count == 32, parts[0].allSatisfy(\.isHexDigit) else { return nil }
        let role = parts[1] == "-" ? nil : DashboardRole(rawValue: parts[1])
        guard role != nil || parts[1] == "-" else { return nil }
        self.init(id: parts[0], role: role, expires: Date(timeIntervalSince1970: Double(expiry)))
    }

    /// The CSRF token every state-changing request of this session carries.
    public func csrfToken(key: SymmetricKey) -> String { Self.sign("csrf|" + id, key: key) }

    static func sign(_ text: String, key: SymmetricKey) -> String {
        HMAC<SHA256>.authenticationCode(for: Data(text.utf8), using: key).map { String(format: "%02x", $0) }.joined()
    }
}
