import Foundation

/// Where and how to send email, from `notify.smtp_url`: `smtp://` (plain, for a local relay;
/// port 25), `smtp+starttls://` (upgraded with STARTTLS; port 587) or `smtps://` (TLS from the
/// first byte; port 465), with an optional `user:password@` (percent-encoded) for AUTH.
public struct SMTPEndpoint: Sendable, Equatable {
    public enum Security: String, Sendable { case plain = "smtp", startTLS = "smtp+starttls", tls = "smtps" }

    public let security: Security
    public let host: String
    public let port: Int
    public let user: String?
    public let password: String?

    /// Parses the URL; the error names what is wrong and never repeats the password.
    public init(url text: String) throws {
        guard let c = URLComponents(string: text), let scheme = c.scheme?.lowercased() else {
            throw NotifyError("notify.smtp_url is not a URL (expected smtp://, smtp+starttls:// or smtps://)")
        }
        guard let security = Security(rawValue: scheme) else {
            throw NotifyError("notify.smtp_url: scheme '\(scheme)' is not smtp, smtp+starttls or smtps")
        }
        guard let host = c.host, !host.isEmpty else { throw NotifyError("notify.smtp_url has no host") }
        self.security = security
        self.host = host
        port = c.port ?? [.plain: 25, .startTLS: 587, .tls: 465][security]!
        guard (1...65_535).contains(port) else { throw NotifyError("notify.smtp_url: port \(port) is out of range") }
        user = c.percentEncodedUser.flatMap { $0.removingPercentEncoding }
        password = c.percentEncodedPassword.flatMap { $0.removingPercentEncoding }
    }

    /// The URL with the password hidden, for logs.
    public var redacted: String { "\(security.rawValue)://\(user.map { "\($0):***@" } ?? "")\(host):\(port)" }
}
