import ClosebellCore
import Foundation

/// A parsed `amqp://user:pass@host:port/vhost` broker address.
///
/// The password is never printed: `description` redacts it, so a URL can be logged safely.
public struct AMQPURL: Sendable, Equatable, CustomStringConvertible {
    public var host: String
    public var port: Int
    public var user: String
    public var password: String
    public var vhost: String

    /// Parses a broker URL. Missing parts take RabbitMQ's defaults (guest/guest, port 5672, vhost `/`).
    public init(_ string: String) throws {
        let trimmed = string.trimmingCharacters(in: .whitespaces)
        guard let components = URLComponents(string: trimmed), let scheme = components.scheme else {
            throw AMQPError(.invalidURL, "malformed broker URL '\(AMQPURL.redact(trimmed))': expected amqp://user:pass@host:port/vhost")
        }
        guard scheme == "amqp" else {
            throw AMQPError(.invalidURL, "unsupported broker URL scheme '\(scheme)' in '\(AMQPURL.redact(trimmed))': only amqp:// is supported")
        }
        guard let host = components.host, !host.isEmpty else {
            throw AMQPError(.invalidURL, "broker URL '\(AMQPURL.redact(trimmed))' has no host")
        }
        if let port = components.port, !(1...65535).contains(port) {
            throw AMQPError(.invalidURL, "broker URL '\(AMQPURL.redact(trimmed))' has port \(port) out of range")
        }
        self.host = host
        self.port = components.port ?? 5672
        self.user = components.user ?? "guest"
        self.password = components.password ?? "guest"
        let path = components.path
        if path.isEmpty || path == "/" {
            vhost = "/"
        } else {
            vhost = String(path.dropFirst())
        }
    }

    public var description: String {
        let vh = vhost == "/" ? "%2F" : vhost
        return "amqp://\(user):***@\(host):\(port)/\(vh)"
    }

    static func redact(_ url: String) -> String { Redaction.redact(url) }
}
