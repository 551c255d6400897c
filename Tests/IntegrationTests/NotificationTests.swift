import ClosebellCore
import ClosebellStorage
import Foundation
import Testing

/// Notifications to real receivers started here: an HTTP server for the webhook and aiosmtpd
/// (STARTTLS and AUTH required) for email; and degradation alerts.
@Suite("Notifications and accuracy alerts", .serialized, .enabled(if: TestServers.shouldRun, TestServers.skipReason))
struct NotificationTests {
    static let password = "pa:ss w0rd"

    /// The receivers, their certificate, and the environment that points a coordinator at them.
    final class Receivers {
        let dir: String
        let process: ChildProcess
        let env: [String: String]

        init(in base: String, webhookArgs: [String] = []) throws {
            dir = base + "/receivers-\(UUID().uuidString.prefix(6))"
            try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
            #expect(try ChildProcess.run("/usr/bin/openssl", [
                "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", dir + "/key.pem", "-out", dir + "/cert.pem",
                "-days", "2", "-subj", "/CN=localhost", "-addext", "subjectAltName=DNS:localhost",
            ], outputPath: dir + "/openssl.log") == 0)
            let python = try #require(ProcessInfo.processInfo.environment["CLOSEBELL_PYTHON"], "CLOSEBELL_PYTHON is not set")
            let script = TestServers.root.appendingPathComponent("Tests/parity/receivers.py").path
            process = try ChildProcess(python, [script, dir, dir + "/cert.pem", dir + "/key.pem", "mailer", NotificationTests.password]
                                       + webhookArgs, environment: ProcessInfo.processInfo.environment, outputPath: dir + "/receivers.log")
            var ports: [String] = []
            for _ in 0..<100 where ports.isEmpty {
                ports = ((try? String(contentsOfFile: dir + "/ports", encoding: .utf8)) ?? "").split(separator: " ")
                    .map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }
                if ports.isEmpty { usleep(100_000) }
            }
            try #require(ports.count == 2, "receivers did not start: \((try? String(contentsOfFile: dir + "/receivers.log", encoding: .utf8)) ?? "")")
            let secret = NotificationTests.password.addingPercentEncoding(withAllowedCharacters: .alphanumerics)!
            env = [
                "CLOSEBELL_NOTIFY_WEBHOOK_URL": "http://127.0.0.1:\(ports[0])/hooks/closebell",
                "CLOSEBELL_NOTIFY_SMTP_URL": "smtp+starttls://mailer:\(secret)@localhost:\(ports[1])",
                "CLOSEBELL_NOTIFY_SMTP_CA_FILE": dir + "/cert.pem",
                "CLOSEBELL_NOTIFY_EMAIL_FROM": "closebell@example.test",
                "CLOSEBELL_NOTIFY_EMAIL_TO": "ops@example.test, quant@example.test",
                "CLOSEBELL_NOTIFY_BASE_URL": "http://dashboard.example.test/",
            ]
        }

        deinit { process.signal(SIGKILL); _ = process.wait() }

        func records(_ name: String) -> [[String: Any]] {
            ((try? String(contentsOfFile: dir + "/" + name, encoding: .utf8)) ?? "").split(separator: "\n").compactMap {
                try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
            }
        }
    }

    /// The body of an email as sent: base64 under the headers.
    static func mailBody(_ data: String) -> String {
        let parts = data.replacingOccurrences(of: "\r\n", with: "\n").components(separatedBy: "\n\n")
        let b64 = parts.dropFirst().joined().replacingOccurrences(of: "\n", with: "").replacingOccurrences(of: "\r", with: "")
        return Data(base64Encoded: b64).map { String(decoding: $0, as: UTF8.self) } ?? ""
    }

    @Test("a run with failures: webhook (retried after a 500) and email over STARTTLS with AUTH carry its facts; no secret printed")
    func runNotifications() throws {
        let c = try Cluster(symbols: 10, days: 40)
        let broken = try #require(try c.db().query("SELECT min(symbol) FROM ohlcv").scalar)
        try FileManager.default.createDirectory(atPath: c.dir + "/models/\(broken)", withIntermediateDirectories: true)
        try "{ not a model".write(toFile: c.dir + "/models/\(broken)/model.json", atomically: true, encoding: .utf8)
        let r = try Receivers(in: c.dir, webhookArgs: ["--webhook-fail", "1"])
        try c.startWorkers(2)
        defer { c.stopWorkers() }
        let (code, said) = try c.coordinatorOutput(["run", "--date", c.day.description], env: r.env)
        #expect(code == 2, "\(said)")
        #expect(!said.contains(Self.password) && !said.contains("pa%3Ass"), "a secret was printed")
        let run = try #require(try c.latestRun())

        let hooks = r.records("webhook.jsonl")
        #expect(hooks.map { $0["status"] as? Int } == [500, 200], "\(hooks)")
        let payload = try #require(try JSONSerialization.jsonObject(with: Data((hooks.last?["body"] as? String ?? "").utf8)) as? [String: Any])
        let text = try #require(payload["text"] as? String)
        #expect(text.contains("Closebell run \(run.id) (nepse \(c.day)): completed with failures"), "\(text)")
        #expect(text.contains("10 symbols: 9 succeeded, 1 failed, 0 skipped."), "\(text)")
        #expect(text.contains("\(broken) \(c.day) at model:"), "\(text)")
        #expect(text.contains("symbols/s"))
        #expect(text.contains("http://dashboard.example.test/runs/\(run.id)"))
        let blocks = try #require(payload["blocks"] as? [[String: Any]])
        #expect(blocks.first?["type"] as? String == "header" && blocks.count == 3)

        let mails = r.records("mail.jsonl")
        try #require(mails.count == 1, "\(mails)")
        #expect(mails[0]["tls"] as? Bool == true)
        #expect(mails[0]["auth"] as? Bool == true)
        #expect(mails[0]["from"] as? String == "closebell@example.test")
        #expect(mails[0]["to"] as? [String] == ["ops@example.test", "quant@example.test"])
        let data = try #require(mails[0]["data"] as? String)
        #expect(data.contains("Subject: =?UTF-8?B?"))
        let body = Self.mailBody(data)
        #expect(body.contains("9 succeeded, 1 failed") && body.contains("Run page: http://dashboard.example.test/runs/\(run.id)"), "\(body)")
    }

    @Test("smtps:// (TLS from the first byte) with AUTH LOGIN; an untrusted certificate is refused")
    func implicitTLSAndLogin() throws {
        let c = try Cluster(symbols: 6, days: 30)
        let r = try Receivers(in: c.dir, webhookArgs: ["--smtps", "--login-only"])
        var env = r.env
        env["CLOSEBELL_NOTIFY_SMTP_URL"] = env["CLOSEBELL_NOTIFY_SMTP_URL"]!.replacingOccurrences(of: "smtp+starttls://", with: "smtps://")
        env["CLOSEBELL_NOTIFY_WEBHOOK_URL"] = nil
        env["CLOSEBELL_NOTIFY_EVENTS"] = "completed"
        try c.startWorkers(1)
        defer { c.stopWorkers() }
        let (code, said) = try c.coordinatorOutput(["run", "--date", c.day.description], env: env)
        #expect(code == 0, "\(said)")
        let mails = r.records("mail.jsonl")
        try #require(mails.count == 1, "\(said)")
        #expect(mails[0]["tls"] as? Bool == true && mails[0]["auth"] as? Bool == true)
        #expect(Self.mailBody(mails[0]["data"] as? String ?? "").contains("6 symbols: 6 succeeded"))
        // Without the CA, the server's self-signed certificate is not trusted: nothing is sent.
        env["CLOSEBELL_NOTIFY_SMTP_CA_FILE"] = nil
        env["CLOSEBELL_NOTIFY_TIMEOUT_SECONDS"] = "2"
        let (code2, said2) = try c.coordinatorOutput(["run", "--date", c.day.description], env: env)
        #expect(code2 == 0)
        #expect(r.records("mail.jsonl").count == 1)
        #expect(said2.contains("notification not sent"), "\(said2)")
    }

    @Test("a hanging webhook and an unreachable mail server never fail a run nor hold it past the time budget")
    func hangingNotifier() throws {
        let c = try Cluster(symbols: 8, days: 30)
        let r = try Receivers(in: c.dir, webhookArgs: ["--webhook-hang"])
        var env = r.env
        env["CLOSEBELL_NOTIFY_SMTP_URL"] = "smtp://127.0.0.1:1"
        env["CLOSEBELL_NOTIFY_EVENTS"] = "completed"
        env["CLOSEBELL_NOTIFY_TIMEOUT_SECONDS"] = "2"
        try c.startWorkers(1)
        defer { c.stopWorkers() }
        let t0 = Date()
        let (code, said) = try c.coordinatorOutput(["run", "--date", c.day.description], env: env)
        let took = Date().timeIntervalSince(t0)
        #expect(code == 0, "\(said)")
        #expect(took < 10, "the run took \(took) s with a 2 s notification budget")
        #expect(said.contains("notification not sent") || said.contains("still pending"), "\(said)")
    }

    @Test("degradation: below the hit-rate threshold and above the MAE multiple fires one alert per model and day, notified")
    func degradationAlert() throws {
        let c = try Cluster(symbols: 10, days: 175)
        let days = try c.db().query("SELECT DISTINCT trading_date FROM ohlcv ORDER BY 1 DESC LIMIT 150").rows.map { $0[0]! }
        let r = try Receivers(in: c.dir)
        var env = r.env
        env["CLOSEBELL_ALERTS_HIT_RATE_BELOW"] = "1.01"  // every model is below: the check must fire
        env["CLOSEBELL_ALERTS_MAE_MULTIPLE"] = "0.000001"
        env["CLOSEBELL_NOTIFY_EVENTS"] = "degraded"
        try c.startWorkers(2)
        defer { c.stopWorkers() }
        let (code, said) = try c.coordinatorOutput(["backfill", "--from", days.last!, "--to", days.first!], env: env)
        #expect(code == 0, "\(said)")
        let db = try c.db()
        defer { db.close() }
        let alerts = try OutcomeStore(db: db).recentAlerts()
        try #require(alerts.count == 1, "\(alerts)")
        #expect(alerts[0].reasons.count == 2, "\(alerts[0].reasons)")
        #expect(alerts[0].asOf.description == days[1])  // the last day with an outcome
        #expect(try db.query("SELECT notified_at IS NOT NULL FROM alerts").scalar == "t")
        let hooks = r.records("webhook.jsonl")
        #expect(hooks.count == 1 && (hooks.first?["body"] as? String ?? "").contains("accuracy of linear degraded"), "\(hooks)")
        // The same state again (an ingest with nothing new, a run): no second alert for the day.
        let (again, _) = try c.coordinatorOutput(["run", "--date", days.first!], env: env)
        #expect(again == 0)
        #expect(try c.count("SELECT count(*) FROM alerts") == 1)
        #expect(r.records("webhook.jsonl").count == 1)
    }
}
