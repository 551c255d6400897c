import Foundation
import HTTPTypes
import Hummingbird

/// Small helpers for server-rendered HTML: escaping (every value that is not ours goes through
/// ``HTML/escape(_:)``), number formats, and the page layout.
enum HTML {
    static func escape(_ s: String) -> String {
        var out = ""
        out.reserveCapacity(s.utf8.count)
        for c in s.unicodeScalars {
            switch c {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default: out.unicodeScalars.append(c)
            }
        }
        return out
    }

    static func number(_ v: Double?, digits: Int = 1) -> String {
        guard let v, v.isFinite else { return "–" }
        return String(format: "%.\(digits)f", v)
    }

    static func percent(_ v: Double?) -> String { v.map { number($0 * 100) + " %" } ?? "–" }

    static func duration(_ seconds: Double?) -> String {
        guard let s = seconds, s.isFinite else { return "–" }
        if s < 60 { return String(format: "%.1f s", s) }
        if s < 3600 { return String(format: "%d min %02d s", Int(s) / 60, Int(s) % 60) }
        return String(format: "%d h %02d min", Int(s) / 3600, Int(s) % 3600 / 60)
    }

    /// A timestamp as PostgreSQL prints it, to the second.
    static func time(_ s: String?) -> String { s.map { escape(String($0.prefix(19))) } ?? "–" }

    /// The navigation's pages: path, label.
    static let nav: [(String, String)] = [
        ("/", "Active runs"), ("/launch", "Launch"), ("/runs", "History"), ("/queues", "Queues & workers"),
        ("/accuracy", "Accuracy"), ("/export", "Export"),
    ]

    /// A whole page: navigation, the CSRF token for scripts, the body.
    static func page(_ title: String, path: String, identity: DashboardIdentity, status: HTTPResponse.Status = .ok,
                     body: String) -> Response {
        let links = nav.map { p, label in
            "<a href=\"\(p)\"\(p == path ? " class=\"here\" aria-current=\"page\"" : "")>\(label)</a>"
        }.joined()
        var who = ""
        if let role = identity.role, identity.signedIn, let csrf = identity.csrfToken {
            who = "<form method=\"post\" action=\"/logout\" class=\"who\">"
                + "<input type=\"hidden\" name=\"_csrf\" value=\"\(csrf)\">"
                + "<span>\(role.rawValue)</span><button class=\"link\">Sign out</button></form>"
        }
        let html = """
            <!doctype html>
            <html lang="en"><head><meta charset="utf-8">
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <meta name="csrf-token" content="\(identity.csrfToken ?? "")">
            <meta name="role" content="\(identity.role?.rawValue ?? "")">
            <title>\(escape(title)) · Closebell</title><link rel="icon" href="data:,">
            <link rel="stylesheet" href="/assets/app.css"><script src="/assets/app.js" defer></script></head>
            <body><header><strong class="brand">Closebell</strong><nav>\(links)</nav>\(who)</header>
            <main><h1>\(escape(title))</h1>
            \(body)
            </main></body></html>
            """
        var h = HTTPFields()
        h[.contentType] = "text/html; charset=utf-8"
        h[.cacheControl] = "no-store"
        let csp = "default-src 'self'; img-src 'self' data:; style-src 'self'; frame-ancestors 'none'"
        h[HTTPField.Name("Content-Security-Policy")!] = csp
        h[HTTPField.Name("X-Content-Type-Options")!] = "nosniff"
        return Response(status: status, headers: h, body: .init(byteBuffer: ByteBuffer(string: html)))
    }

    /// A message box (errors and notes).
    static func message(_ text: String, kind: String = "error") -> String {
        "<p class=\"msg \(kind)\" role=\"alert\">\(escape(text))</p>"
    }

    /// A table inside a horizontally scrolling box (phones).
    static func table(_ headers: [String], _ rows: [String], id: String? = nil, empty: String) -> String {
        let head = headers.map { "<th>\($0)</th>" }.joined()
        let body = rows.isEmpty
            ? "<tr><td colspan=\"\(headers.count)\" class=\"empty\">\(escape(empty))</td></tr>" : rows.joined()
        return "<div class=\"scroll\"><table\(id.map { " id=\"\($0)\"" } ?? "")><thead><tr>\(head)</tr></thead>"
            + "<tbody>\(body)</tbody></table></div>"
    }
}
