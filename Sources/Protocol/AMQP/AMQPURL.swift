import ClosebellCore
import Foundation

/// A parsed `amqp://user:pass@host:port/vhost` (or `amqps://`, TLS) broker address.
///
/// A RabbitMQ cluster is given as a list of nodes, `amqp://user:pass@h1:5672,h2:5672,h3:5672/%2F`:
/// a connection goes to one of them (a random one first, spreading clients over the cluster) and,
/// when it cannot be reached, to the next; a reconnect after a node dies lands on a live one.
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
    /// Every node of the URL, `host`:`port` first.
    public var nodes: [Node]

    /// One broker node's address.
    public struct Node: Sendable, Equatable, CustomStringConvertible {
        public var host: String
        public var port: Int
        public var description: String { "\(host):\(port)" }
    }

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
        let given = string.trimmingCharacters(in: .whitespaces)
        let shown = AMQPURL.redact(given)
        let (trimmed, others) = try Self.splitNodes(given, shown: shown)
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
        nodes = [Node(host: host, port: port)]
        for other in others {
            let parts = other.split(separator: ":", omittingEmptySubsequences: false)
            guard !other.contains("["), parts.count <= 2, let h = parts.first, !h.isEmpty,
                  let p = parts.count == 2 ? Int(parts[1]) : self.port, (1...65535).contains(p) else {
                throw AMQPError(.invalidURL, "broker URL '\(shown)': node '\(other)' is not host or host:port")
            }
            nodes.append(Node(host: String(h), port: p))
        }
    }

    /// Takes the nodes after the first out of a `h1:p1,h2:p2` authority: the URL with only the
    /// first, and the others as written.
    static func splitNodes(_ url: String, shown: String) throws -> (String, [String]) {
        guard let start = url.range(of: "://")?.upperBound else { return (url, []) }
        let end = url[start...].firstIndex { "/?#".contains($0) } ?? url.endIndex
        let authority = url[start..<end]
        let hostStart = authority.lastIndex(of: "@").map { authority.index(after: $0) } ?? authority.startIndex
        let hosts = authority[hostStart...].split(separator: ",", omittingEmptySubsequences: false)
        guard hosts.count > 1 else { return (url, []) }
        guard hosts.allSatisfy({ !$0.isEmpty }) else {
            throw AMQPError(.invalidURL, "broker URL '\(shown)' has an empty node in its list")
        }
        return (String(url[..<hostStart]) + hosts[0] + url[end...], hosts.dropFirst().map(String.init))
    }

    /// RabbitMQ URI parameters other clients use that this one takes from settings instead
    /// (heartbeat: `worker.heartbeat_seconds`): accepted and ignored, so a shared URL works.
    static let ignoredParameters: Set<String> = ["heartbeat", "connection_timeout", "channel_max", "frame_max",
                                                 "auth_mechanism", "server_name_indication"]

    static func tlsOptions(scheme: String, query: [URLQueryItem], shown: String) throws -> TLS? {
        var values: [String: String] = [:]
        for item in query where !ignoredParameters.contains(item.name) {
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
        return "\(tls == nil ? "amqp" : "amqps")://\(user):***@\(nodes.map(\.description).joined(separator: ","))/\(vh)"
    }

    static func redact(_ url: String) -> String { Redaction.redact(url) }
}
