import CRabbitMQ
import Foundation

extension AMQPConnection {
    /// A TCP socket for `amqp://`; for `amqps://`, a TLS socket that trusts the URL's CA file and
    /// (unless `verify=verify_none`) checks the broker's certificate chain and host name.
    static func socket(_ st: amqp_connection_state_t, _ url: AMQPURL) throws -> OpaquePointer {
        guard let tls = url.tls else {
            guard let s = amqp_tcp_socket_new(st) else { throw AMQPError(.library, "cannot allocate socket") }
            return s
        }
        guard let s = amqp_ssl_socket_new(st) else { throw AMQPError(.library, "cannot allocate a TLS socket") }
        guard FileManager.default.isReadableFile(atPath: tls.caCertFile) else {
            throw AMQPError(.invalidURL, "broker URL \(url): cacertfile '\(tls.caCertFile)' is not a readable file")
        }
        if amqp_ssl_socket_set_cacert(s, tls.caCertFile) != AMQP_STATUS_OK.rawValue {
            throw AMQPError(.invalidURL, "broker URL \(url): cacertfile '\(tls.caCertFile)' holds no PEM certificate")
        }
        if let cert = tls.certFile, let key = tls.keyFile,
           amqp_ssl_socket_set_key(s, cert, key) != AMQP_STATUS_OK.rawValue {
            throw AMQPError(.invalidURL, "broker URL \(url): cannot load the client certificate '\(cert)' with key '\(key)'")
        }
        let verify: amqp_boolean_t = tls.verifyPeer ? 1 : 0
        amqp_ssl_socket_set_verify_peer(s, verify)
        amqp_ssl_socket_set_verify_hostname(s, verify)
        return s
    }

    /// Why opening the socket failed, in words an operator can act on.
    static func openError(_ rc: Int32, _ url: AMQPURL, _ node: AMQPURL.Node) -> AMQPError {
        let at = "broker at \(node)"
        switch rc {
        case AMQP_STATUS_SSL_HOSTNAME_VERIFY_FAILED.rawValue:
            return AMQPError(.tlsRefused, "TLS to \(at) refused: its certificate does not name '\(node.host)' "
                             + "(connect by a name the certificate holds)")
        case AMQP_STATUS_SSL_PEER_VERIFY_FAILED.rawValue:
            return AMQPError(.tlsRefused, "TLS to \(at) refused: its certificate is not signed by a CA in "
                             + "'\(url.tls?.caCertFile ?? "")' (or has expired)")
        case AMQP_STATUS_SSL_CONNECTION_FAILED.rawValue, AMQP_STATUS_SSL_ERROR.rawValue:
            return AMQPError(.connection, "TLS handshake with \(at) failed (is that port TLS, and the URL amqps://?)")
        default:
            return AMQPError(.connection, "cannot connect to \(at): \(String(cString: amqp_error_string2(rc)))")
        }
    }
}
