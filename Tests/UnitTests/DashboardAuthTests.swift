@testable import ClosebellDashboard
import Foundation
import Hummingbird
import HummingbirdTesting
import Testing
import TestSupport

/// The dashboard's rules that need no server: secrets, sessions, CSRF, roles, bad input. The
/// database URL points nowhere, so a request that got past the rules would answer 503.
@Suite("Dashboard auth and input")
struct DashboardAuthTests {
    static let nowhere = "postgresql://nobody@127.0.0.1:1/none?connect_timeout=1"

    @Test("passwords and tokens map to their roles, compared as salted digests; an empty secret is not configured")
    func credentials() {
        let c = DashboardCredentials(adminPassword: "a-pass", adminToken: "a-token", viewerPassword: "",
                                     viewerToken: "v-token")
        #expect(!c.isOpen && c.hasPassword)
        #expect(c.role(password: "a-pass") == .admin)
        #expect(c.role(password: "a-token") == nil)  // a token is not a password
        #expect(c.role(token: "a-token") == .admin)
        #expect(c.role(token: "v-token") == .viewer)
        #expect(c.role(token: "") == nil && c.role(password: "") == nil)
        #expect(c.role(token: "v-token ") == nil)
        #expect(DashboardCredentials().isOpen)
        #expect(!DashboardCredentials(viewerToken: "t").hasPassword)
    }

    @Test("a session cookie survives only unaltered, unexpired and under its own key")
    func sessions() {
        let c = DashboardCredentials(adminPassword: "x")
        let key = DashboardCredentials(adminPassword: "x")  // same secrets: same key (sessions survive restarts)
        let s = DashboardSession(role: .viewer)
        let cookie = s.cookieValue(key: c.sessionKey)
        #expect(DashboardSession(cookie: cookie, key: key.sessionKey) == s)
        #expect(DashboardSession(cookie: cookie.replacingOccurrences(of: ".viewer.", with: ".admin."),
                                 key: c.sessionKey) == nil)
        #expect(DashboardSession(cookie: cookie, key: DashboardCredentials(adminPassword: "y").sessionKey) == nil)
        #expect(DashboardSession(cookie: cookie, key: c.sessionKey, now: Date() + DashboardSession.lifetime + 1) == nil)
        #expect(DashboardSession(cookie: "garbage", key: c.sessionKey) == nil)
        #expect(s.csrfToken(key: c.sessionKey) != DashboardSession(role: .viewer).csrfToken(key: c.sessionKey))
    }

    @Test("launch requests: every malformed field is a 400 naming it", arguments: [
        (#"{"date": "2025-13-01"}"#, "date"), (#"{"from": "2025-02-01", "to": "2025-01-01"}"#, "from"),
        (#"{"from": "1925-01-01", "to": "2025-01-01"}"#, "to"),
        (#"{"date": "2025-01-01", "from": "2025-01-01"}"#, "date"), (#"{}"#, "date"),
        (#"{"from": "2025-01-01"}"#, "to"), (#"{"date": "2025-01-01", "symbols": "AB, <script>"}"#, "symbols"),
        (#"{"date": "2025-01-01", "symbols": [1, 2]}"#, "symbols"),
        (#"{"date": "2025-01-01", "chunk_size": "ten"}"#, "chunk_size"),
        (#"{"date": "2025-01-01", "chunk_size": true}"#, "chunk_size"),
        (#"{"date": "2025-01-01", "chunk_size": -1}"#, "chunk_size"),
        (#"{"date": "2025-01-01", "priority": "urgent"}"#, "priority"),
        (#"{"date": "2025-01-01", "colour": "red"}"#, "colour"),
        (#"{"date": "2025-01-01", "market": "a b"}"#, "market"), (#"{"date": 20250101}"#, "date"),
        (#"{"date": "2025-01-01", "only_unpredicted": "yes"}"#, "only_unpredicted"),
    ])
    func badLaunch(body: String, field: String) {
        do {
            _ = try LaunchRequest(json: Data(body.utf8))
            Issue.record("accepted \(body)")
        } catch let e as DashboardError {
            #expect(e.status == .badRequest)
            #expect(e.field == field, "\(body): \(e.message)")
        } catch {
            Issue.record("\(error)")
        }
    }

    @Test("a good launch request becomes the coordinator command cron would run")
    func goodLaunch() throws {
        let daily = try LaunchRequest(json: Data(
            #"{"date": "2025-01-05", "symbols": "AB, CD", "chunk_size": 20, "priority": "high"}"#.utf8))
        #expect(daily.command.subcommand == "run")
        #expect(daily.command.arguments == ["--date", "2025-01-05", "--symbols", "AB,CD", "--chunk-size", "20",
                                            "--priority", "high"])
        let range = try LaunchRequest(json: Data(
            #"{"from": "2025-01-01", "to": "2025-01-31", "only_unpredicted": true}"#.utf8))
        #expect(range.command.subcommand == "backfill")
        #expect(range.command.arguments == ["--from", "2025-01-01", "--to", "2025-01-31", "--only-unpredicted"])
    }

    @Test("beyond loopback the dashboard refuses to start without a password or token")
    func bindRules() throws {
        #expect(throws: DashboardError.self) {
            try testDashboardService(databaseURL: Self.nowhere, host: "0.0.0.0").options.validate()
        }
        try testDashboardService(databaseURL: Self.nowhere, credentials: DashboardCredentials(adminToken: "t"),
                                 host: "0.0.0.0")
            .options.validate()
        try testDashboardService(databaseURL: Self.nowhere).options.validate()
    }

    @Test("routes enforce sign-in, roles and CSRF before any work; a dead database is a 503, never a 500")
    func routes() async throws {
        let service = try testDashboardService(databaseURL: Self.nowhere, credentials: DashboardCredentials(
            adminPassword: "admin-pw", viewerPassword: "viewer-pw", viewerToken: "viewer-token"))
        let app = Application(router: DashboardServer.router(service: service, logger: .init(label: "test")))
        try await app.test(.router) { client in
            var b = DashboardBrowser(client)
            #expect(try await b.request("/runs").status == .seeOther)
            #expect(try await b.request("/api/v1/runs").status == .unauthorized)
            #expect(try await b.request("/api/v1/runs", headers: [.authorization: "Bearer wrong"]).errorCode
                    == "unauthorized")
            // The viewer token reads (the database is down: 503 with a JSON error) but may not launch.
            let down = try await b.request("/api/v1/runs", headers: [.authorization: "Bearer viewer-token"])
            #expect(down.status == .serviceUnavailable && down.errorCode == "unavailable")
            let launch = try await b.request("/api/v1/runs", .post, json: #"{"date": "2025-01-01"}"#,
                                             headers: [.authorization: "Bearer viewer-token"])
            #expect(launch.status == .forbidden)
            // Sign-in: the form's CSRF token is required, a wrong password is a 401, the right one a new session.
            let form = try await b.request("/login?next=/runs")
            #expect(form.status == .ok && b.csrf != nil)
            let anonymous = b.cookie
            #expect(try await b.request("/login", .post, form: "password=admin-pw", csrf: false).status == .forbidden)
            #expect(try await b.request("/login", .post, form: "password=nope&_csrf=\(b.csrf!)", csrf: false).status
                    == .unauthorized)
            let ok = try await b.request("/login", .post, form: "password=viewer-pw&next=%2Frunsx&_csrf=\(b.csrf!)",
                                         csrf: false)
            #expect(ok.status == .seeOther && ok.headers[.location] == "/runsx")
            #expect(b.cookie != anonymous)
            #expect(ok.headers[.setCookie]?.contains("HttpOnly") == true
                    && ok.headers[.setCookie]?.contains("SameSite=Strict") == true)
            let page = try await b.request("/launch")
            #expect(page.status == .ok && page.text.contains("needs the admin role")
                    && !page.text.contains("viewer-pw"))
            // A viewer's session may not launch, with or without the token; an admin's needs the token.
            #expect(try await b.request("/api/v1/runs", .post, json: #"{"date": "2025-01-01"}"#).status == .forbidden)
            var admin = DashboardBrowser(client)
            _ = try await admin.request("/login")
            _ = try await admin.request("/login", .post, form: "password=admin-pw&_csrf=\(admin.csrf!)", csrf: false)
            _ = try await admin.request("/export")
            let noToken = try await admin.request("/api/v1/runs", .post, json: #"{"date": "2025-01-01"}"#, csrf: false)
            #expect(noToken.status == .forbidden && noToken.errorCode == "csrf")
            let bad = try await admin.request("/api/v1/runs", .post, json: #"{"date": "2025-02-30"}"#)
            #expect(bad.status == .badRequest && bad.errorCode == "invalid_date")
            #expect(try await admin.request("/api/v1/runs/abc").status == .badRequest)
            #expect(try await admin.request("/api/v1/export?from=2025-01-01&to=2025-01-02&format=xlsx").errorCode
                    == "invalid_format")
            #expect(try await admin.request("/runs?status=lost").status == .badRequest)
            #expect(try await admin.request("/no/such/page").status == .notFound)
            #expect(try await admin.request("/").status == .serviceUnavailable)
        }
    }

    @Test("the OpenAPI document is JSON and describes exactly the API's routes")
    func openAPI() async throws {
        let service = try testDashboardService(databaseURL: Self.nowhere)
        let app = Application(router: DashboardServer.router(service: service, logger: .init(label: "test")))
        try await app.test(.router) { client in
            var b = DashboardBrowser(client)
            let doc = try await b.request("/api/v1/openapi.json").json
            let paths = Set((doc["paths"] as? [String: Any] ?? [:]).keys)
            #expect(paths == ["/runs", "/runs/active", "/runs/{id}", "/runs/{id}/log", "/runs/{id}/cancel",
                              "/runs/{id}/retry", "/queues", "/accuracy", "/export"])
            let source = try String(contentsOfFile: #filePath.replacingOccurrences(
                of: "Tests/UnitTests/DashboardAuthTests.swift", with: "Sources/Dashboard/API/DashboardAPI.swift"),
                encoding: .utf8)
            let registered = source.matches(of: /api\.(get|post)\("([^"]+)"\)/).map { "/" + String($0.2) }
                .map { $0.replacingOccurrences(of: ":id", with: "{id}") }.filter { $0 != "/openapi.json" }
            #expect(Set(registered) == paths)
        }
    }
}
