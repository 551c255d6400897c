import ClosebellCore
import Foundation

/// A parsed `amqp://user:pass@host:port/vhost` (or `amqps://`, TLS) broker address.
///
/// TLS options follow RabbitMQ's URI query parameters: `cacertfile` (the CA bundle that signs
/// the broker's certificate; default the system's, `/etc/ssl/certs/ca-certificates.crt`),
/// `certfile` and `keyfile` (a client certificate, when the broker asks for one) and `verify`
/// (`verify_peer`, the default: the certificate must chain to the CA and name the URL's host;
/// `verify_none` turns both checks off and is for experiments only).
/// The password is never printed: `description` redacts it, so a URL can be logged safely.
public struct AMQPURL: Sendable, Equatable, CustomStringConvertible {
    public var host: String
    public var port: Int
    public var user: String
    public var password: String
    public var vhost: String
    /// TLS settings (`amqps://`); nil: plain TCP.
    public var tls: TLS?

    /// How an `amqps://` connection is secured.
    public struct TLS: Sendable, Equatable {
        /// PEM file of the certificate authorities trusted to sign the broker's certificate.
        public var caCertFile: String
        /// PEM client certificate and its key (both or neither).
        public var certFile: String?
        public var keyFile: String?
        /// Check the broker's certificate chain and that it names the host. Default true.
        public var verifyPeer = true

        /// The system's CA bundle on Debian.
        public static let systemCAFile = "/etc/ssl/certs/ca-certificates.crt"
    }

    /// Parses a broker URL. Missing parts take RabbitMQ's defaults (guest/guest, port 5672, or
    /// 5671 for `amqps://`, vhost `/`).
    public init(_ string: String) throws {
        let trimmed = string.trimmingCharacters(in: .whitespaces)
        let shown = AMQPURL.redact(trimmed)
        guard let components = URLComponents(string: trimmed), let scheme = components.scheme else {
            throw AMQPError(.invalidURL, "malformed broker URL '\(shown)': expected amqp://user:pass@host:port/vhost")
        }
        guard scheme == "amqp" || scheme == "amqps" else {
            throw AMQPError(.invalidURL, "unsupported broker URL scheme '\(scheme)' in '\(shown)': use amqp:// or amqps://")
        }
        guard let host = components.host, !host.isEmpty else {
            throw AMQPError(.invalidURL, "broker URL '\(shown)' has no host")
        }
        if let port = components.port, !(1...65535).contains(port) {
            throw AMQPError(.invalidURL, "broker URL '\(shown)' has port \(port) out of range")
        }
        self.host = host
        self.port = components.port ?? (scheme == "amqps" ? 5671 : 5672)
        self.user = components.user ?? "guest"
        self.password = components.password ?? "guest"
        let path = components.path
        if path.isEmpty || path == "/" {
            vhost = "/"
        } else {
            vhost = String(path.dropFirst())
        }
        tls = try Self.tlsOptions(scheme: scheme, query: components.queryItems ?? [], shown: shown)
    }

    static func tlsOptions(scheme: String, query: [URLQueryItem], shown: String) throws -> TLS? {
        var values: [String: String] = [:]
        for item in query {
            guard ["cacertfile", "certfile", "keyfile", "verify"].contains(item.name) else {
                throw AMQPError(.invalidURL, "broker URL '\(shown)': unknown parameter '\(item.name)' "
                                + "(known: cacertfile, certfile, keyfile, verify)")
            }
            guard scheme == "amqps" else {
                throw AMQPError(.invalidURL, "broker URL '\(shown)': '\(item.name)' needs amqps://")
            }
            values[item.name] = item.value ?? ""
        }
        guard scheme == "amqps" else { return nil }
        var tls = TLS(caCertFile: values["cacertfile"] ?? TLS.systemCAFile, certFile: values["certfile"],
                      keyFile: values["keyfile"])
        switch values["verify"] ?? "verify_peer" {
        case "verify_peer": tls.verifyPeer = true
        case "verify_none": tls.verifyPeer = false
        case let v: throw AMQPError(.invalidURL, "broker URL '\(shown)': verify=\(v): expected verify_peer or verify_none")
        }
        if (tls.certFile == nil) != (tls.keyFile == nil) {
            throw AMQPError(.invalidURL, "broker URL '\(shown)': certfile and keyfile go together")
        }
        return tls
    }

    public var description: String {
        let vh = vhost == "/" ? "%2F" : vhost
        return "\(tls == nil ? "amqp" : "amqps")://\(user):***@\(host):\(port)/\(vh)"
    }

    static func redact(_ url: String) -> String { Redaction.redact(url) }
}
