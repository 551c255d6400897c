import Foundation

/// The notifications a deployment sends (settings `notify.*`): which events, to which webhook
/// and mailboxes, with what time budget, linking to which dashboard.
public struct NotifyOptions: Sendable, Equatable {
    /// Slack-compatible incoming webhook URL (secret; empty: none). Default none.
    public var webhookURL = ""
    /// `smtp://`, `smtp+starttls://` or `smtps://` URL with optional `user:password@` (secret). Default none.
    public var smtpURL = ""
    /// PEM file of certificate authorities the SMTP server's certificate is checked against. Default: the system's.
    public var smtpCAFile = ""
    /// Sender address. Default `closebell@localhost`.
    public var emailFrom = "closebell@localhost"
    /// Recipients. Default none (no email).
    public var emailTo: [String] = []
    /// Events sent. Default: failures, cancellations, completions with failures and accuracy alerts.
    public var events: Set<Notice.Event> = [.completedWithFailures, .failed, .cancelled, .degraded]
    /// Dashboard base URL for links (empty: no link). Default none.
    public var baseURL = ""
    /// Time budget per notice, retries included. Default 10 s.
    public var timeout: Duration = .seconds(10)

    public init() {}

    /// The notifiers these options configure; a bad URL is an error naming the setting.
    public func dispatcher() throws -> NotificationDispatcher {
        var notifiers: [any Notifier] = []
        if !webhookURL.isEmpty {
            guard let url = URL(string: webhookURL), let scheme = url.scheme,
                  ["http", "https"].contains(scheme.lowercased()) else {
                throw NotifyError("notify.webhook_url is not an http(s) URL")
            }
            notifiers.append(WebhookNotifier(url: url))
        }
        if !smtpURL.isEmpty {
            guard !emailTo.isEmpty else { throw NotifyError("notify.smtp_url is set but notify.email_to names no recipient") }
            notifiers.append(SMTPNotifier(endpoint: try SMTPEndpoint(url: smtpURL), from: emailFrom, to: emailTo,
                                          caFile: smtpCAFile.isEmpty ? nil : smtpCAFile))
        }
        return NotificationDispatcher(notifiers: notifiers, events: events, budget: timeout)
    }
}
