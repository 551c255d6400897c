/// Somewhere notices go: a chat webhook, email. `send` makes one attempt and must give up by
/// `deadline`; ``NotificationDispatcher`` retries, bounds the time and logs the outcome.
public protocol Notifier: Sendable {
    /// A name for logs (`webhook`, `email`); never a URL or a secret.
    var name: String { get }
    func send(_ notice: Notice, deadline: ContinuousClock.Instant) async throws
}

/// A notifier's failure, with what it was told (secrets never included).
public struct NotifyError: Error, CustomStringConvertible, Sendable {
    public let description: String
    public init(_ description: String) { self.description = description }
}
