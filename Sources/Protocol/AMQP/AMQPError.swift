/// An error from the broker or the AMQP client library.
///
/// When the broker closed a channel or the connection, `replyCode` and the message carry
/// the broker's own reply code and text (for example `404 NOT_FOUND - no queue 'x'`).
public struct AMQPError: Error, CustomStringConvertible, Sendable {
    /// What failed.
    public enum Kind: Sendable, Equatable {
        /// The URL could not be parsed.
        case invalidURL
        /// The TCP connection or login failed, or the connection was lost.
        case connection
        /// The broker closed the channel (reply code set).
        case channelClosed
        /// The broker closed the connection (reply code set).
        case connectionClosed
        /// The broker negatively acknowledged published messages.
        case nacked
        /// A mandatory message could not be routed to any queue.
        case unroutable
        /// TLS: the broker's certificate was refused (wrong host name, unknown CA); retrying
        /// cannot help, so this is not a connection loss.
        case tlsRefused
        /// A wait ran past its deadline.
        case timeout
        /// Any other rabbitmq-c error.
        case library
    }

    public let kind: Kind
    public let replyCode: UInt16?
    public let message: String

    public init(_ kind: Kind, _ message: String, replyCode: UInt16? = nil) {
        self.kind = kind
        self.message = message
        self.replyCode = replyCode
    }

    /// True when the connection is unusable and must be re-established.
    public var isConnectionLoss: Bool {
        kind == .connection || kind == .connectionClosed
    }

    public var description: String {
        if let code = replyCode { return "AMQP \(code): \(message)" }
        return "AMQP: \(message)"
    }
}
