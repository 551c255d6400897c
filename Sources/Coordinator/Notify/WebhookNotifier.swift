import ClosebellCore
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// A Slack-compatible incoming webhook: an HTTP POST of JSON with `text` (the whole notice, for
/// clients that show only that) and `blocks` (a header, the lines, the run page link).
public struct WebhookNotifier: Notifier {
    public let name = "webhook"
    let url: URL

    public init(url: URL) { self.url = url }

    /// The JSON body.
    public static func payload(_ n: Notice) -> [String: Any] {
        var blocks: [[String: Any]] = [
            ["type": "header", "text": ["type": "plain_text", "text": String(n.title.prefix(150))]],
            ["type": "section", "text": ["type": "mrkdwn", "text": n.lines.joined(separator: "\n")]],
        ]
        if let link = n.link {
            blocks.append(["type": "section", "text": ["type": "mrkdwn", "text": "<\(link)|Open in the Closebell dashboard>"]])
        }
        return ["text": n.text, "blocks": blocks]
    }

    public func send(_ notice: Notice, deadline: ContinuousClock.Instant) async throws {
        let remaining = ContinuousClock.now.duration(to: deadline)
        guard remaining > .zero else { throw NotifyError("no time left") }
        var request = URLRequest(url: url, timeoutInterval: max(0.1, remaining.seconds))
        request.httpMethod = "POST"
        request.setValue("application/json; charset=utf-8", forHTTPHeaderField: "Content-Type")
        request.httpBody = try JSONSerialization.data(withJSONObject: Self.payload(notice), options: [.sortedKeys])
        let (body, response) = try await URLSession.shared.data(for: request)
        guard let http = response as? HTTPURLResponse else { throw NotifyError("no HTTP response") }
        guard (200..<300).contains(http.statusCode) else {
            throw NotifyError("HTTP \(http.statusCode): \(String(decoding: body.prefix(200), as: UTF8.self))")
        }
    }
}
