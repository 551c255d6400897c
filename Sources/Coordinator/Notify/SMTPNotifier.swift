import Foundation
import NIOCore
import NIOExtras
import NIOPosix
import NIOSSL

/// Email over SMTP (RFC 5321): EHLO, STARTTLS when asked (RFC 3207), AUTH PLAIN or LOGIN when a
/// user is given (RFC 4954), one message to every recipient. The body is UTF-8 text in base64,
/// the subject an RFC 2047 encoded word, so any symbol or error text arrives intact.
public struct SMTPNotifier: Notifier {
    public let name = "email"
    let endpoint: SMTPEndpoint
    let from: String
    let to: [String]
    /// PEM file of the certificate authorities to trust (nil: the system's).
    let caFile: String?

    public init(endpoint: SMTPEndpoint, from: String, to: [String], caFile: String? = nil) {
        self.endpoint = endpoint
        self.from = from
        self.to = to
        self.caFile = caFile
    }

    public func send(_ notice: Notice, deadline: ContinuousClock.Instant) async throws {
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await self.converse(notice) }
            group.addTask {
                try await Task.sleep(until: deadline, clock: .continuous)
                throw NotifyError("SMTP conversation with \(self.endpoint.host):\(self.endpoint.port) timed out")
            }
            defer { group.cancelAll() }
            try await group.next()
        }
    }

    func tlsContext() throws -> NIOSSLContext {
        var config = TLSConfiguration.makeClientConfiguration()
        if let caFile { config.trustRoots = .file(caFile) }
        return try NIOSSLContext(configuration: config)
    }

    /// The name the certificate must carry (SNI): the host, unless it is an address.
    var serverHostname: String? {
        endpoint.host.allSatisfy { $0.isHexDigit || $0 == "." || $0 == ":" } ? nil : endpoint.host
    }

    func converse(_ notice: Notice) async throws {
        let context = endpoint.security == .tls ? try tlsContext() : nil
        let hostname = serverHostname
        let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .connectTimeout(.seconds(10))
            .connect(host: endpoint.host, port: endpoint.port) { channel in
                channel.eventLoop.makeCompletedFuture {
                    if let context {
                        let tls = try NIOSSLClientHandler(context: context, serverHostname: hostname)
                        try channel.pipeline.syncOperations.addHandler(tls)
                    }
                    try channel.pipeline.syncOperations.addHandler(ByteToMessageHandler(LineBasedFrameDecoder()))
                    return try NIOAsyncChannel<ByteBuffer, ByteBuffer>(wrappingChannelSynchronously: channel)
                }
            }
        try await channel.executeThenClose { inbound, outbound in
            var conversation = SMTPConversation(lines: inbound.makeAsyncIterator(), outbound: outbound)
            try await conversation.expect(220)
            var features = try await conversation.command("EHLO \(Self.clientName)", expect: 250)
            if endpoint.security == .startTLS {
                guard features.contains(where: { $0.uppercased().hasPrefix("STARTTLS") }) else {
                    throw NotifyError("\(endpoint.host) does not offer STARTTLS")
                }
                _ = try await conversation.command("STARTTLS", expect: 220)
                let tls = try NIOSSLClientHandler(context: tlsContext(), serverHostname: hostname)
                try await channel.channel.pipeline.addHandler(tls, position: .first)
                features = try await conversation.command("EHLO \(Self.clientName)", expect: 250)
            }
            if let user = endpoint.user {
                try await authenticate(&conversation, features: features, user: user, password: endpoint.password ?? "")
            }
            _ = try await conversation.command("MAIL FROM:<\(from)>", expect: 250)
            for rcpt in to { _ = try await conversation.command("RCPT TO:<\(rcpt)>", expect: 250, or: 251) }
            _ = try await conversation.command("DATA", expect: 354)
            _ = try await conversation.command(message(notice), expect: 250, redact: true)
            _ = try? await conversation.command("QUIT", expect: 221)
        }
    }

    func authenticate(_ c: inout SMTPConversation, features: [String], user: String, password: String) async throws {
        let auth = features.first { $0.uppercased().hasPrefix("AUTH") }?.uppercased().split(separator: " ").map(String.init) ?? []
        if auth.contains("PLAIN") {
            let token = Data(([0] + Array(user.utf8) + [0] + Array(password.utf8))).base64EncodedString()
            _ = try await c.command("AUTH PLAIN \(token)", expect: 235, redact: true)
        } else if auth.contains("LOGIN") {
            _ = try await c.command("AUTH LOGIN", expect: 334)
            _ = try await c.command(Data(user.utf8).base64EncodedString(), expect: 334, redact: true)
            _ = try await c.command(Data(password.utf8).base64EncodedString(), expect: 235, redact: true)
        } else {
            let offered = auth.dropFirst().joined(separator: " ")
            throw NotifyError("\(endpoint.host) offers no AUTH PLAIN or LOGIN (it offers: \(offered))")
        }
    }

    static var clientName: String {
        let h = ProcessInfo.processInfo.hostName
        return h.isEmpty || h.contains(" ") ? "closebell.localdomain" : h
    }

    /// The message (headers, blank line, base64 body) ended by the lone dot.
    func message(_ n: Notice) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss '+0000'"
        let body = Data(n.text.utf8).base64EncodedString(options: [.lineLength76Characters, .endLineWithCarriageReturn,
                                                                    .endLineWithLineFeed])
        let subject = "=?UTF-8?B?\(Data(n.title.utf8).base64EncodedString())?="
        let headers = [
            "From: <\(from)>", "To: \(to.map { "<\($0)>" }.joined(separator: ", "))", "Subject: \(subject)",
            "Date: \(formatter.string(from: Date()))", "Message-ID: <\(UUID().uuidString.lowercased())@closebell>",
            "MIME-Version: 1.0", "Content-Type: text/plain; charset=utf-8", "Content-Transfer-Encoding: base64",
            "X-Closebell-Event: \(n.event.rawValue)",
        ]
        return headers.joined(separator: "\r\n") + "\r\n\r\n" + body + "\r\n."
    }
}
