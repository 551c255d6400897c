import ClosebellCoordinator
import Foundation
import Testing

/// Notification settings and payloads, without servers.
@Suite("Notification settings and payloads")
struct NotifyTests {
    @Test func smtpURLs() throws {
        let a = try SMTPEndpoint(url: "smtp+starttls://ops%40x.test:p%3Ass@mail.x.test")
        #expect(a.security == .startTLS && a.port == 587 && a.host == "mail.x.test")
        #expect(a.user == "ops@x.test" && a.password == "p:ss")
        #expect(!a.redacted.contains("p:ss") && !a.redacted.contains("p%3Ass"))
        #expect(try SMTPEndpoint(url: "smtp://relay").port == 25)
        #expect(try SMTPEndpoint(url: "smtps://relay:2465").port == 2465)
        #expect(try SMTPEndpoint(url: "SMTPS://relay").security == .tls)
        for bad in ["http://relay", "smtp://", "relay:25", "smtp://relay:0"] {
            let e = #expect(throws: NotifyError.self) { try SMTPEndpoint(url: bad) }
            #expect(e?.description.contains("notify.smtp_url") == true, "\(bad): \(e?.description ?? "-")")
        }
        let secret = #expect(throws: NotifyError.self) { try SMTPEndpoint(url: "ftp://u:Secr3t@relay") }
        #expect(secret?.description.contains("Secr3t") == false)
    }

    @Test func optionsNameTheirProblems() {
        var n = NotifyOptions()
        n.smtpURL = "smtp://relay"
        let e = #expect(throws: NotifyError.self) { try n.dispatcher() }
        #expect(e?.description.contains("notify.email_to") == true)
        n = NotifyOptions()
        n.webhookURL = "ftp://hooks"
        #expect(throws: NotifyError.self) { try n.dispatcher() }
        #expect((try? NotifyOptions().dispatcher().isEmpty) == true)
    }

    @Test func webhookPayloadIsSlackShaped() throws {
        let notice = Notice(event: .failed, title: "Closebell run 7 (nepse 2025-06-26): failed", lines: ["a", "b"],
                            link: "http://dash/runs/7")
        let p = WebhookNotifier.payload(notice)
        let data = try JSONSerialization.data(withJSONObject: p)
        let back = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        #expect((back["text"] as? String)?.hasPrefix("Closebell run 7") == true)
        let blocks = try #require(back["blocks"] as? [[String: Any]])
        #expect(blocks.map { $0["type"] as? String } == ["header", "section", "section"])
        #expect(notice.text.hasSuffix("Run page: http://dash/runs/7"))
    }
}
