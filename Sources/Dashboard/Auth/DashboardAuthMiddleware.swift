import Foundation
import HTTPTypes
import Hummingbird

/// Finds who is asking and enforces the rules before any route runs:
/// - `Authorization: Bearer TOKEN` is checked against the configured tokens (API clients; no CSRF).
/// - Otherwise the signed session cookie decides; a browser without one gets a fresh anonymous
///   session (so even the sign-in form has a CSRF token).
/// - Not signed in: pages redirect to `/login`, the API answers 401.
/// - Every state-changing request from a browser carries the session's CSRF token, in the
///   `X-CSRF-Token` header or a form's `_csrf` field; without it: 403.
/// With no secret configured (loopback only) everyone is admin, as the pages are open.
struct DashboardAuthMiddleware: RouterMiddleware {
    typealias Context = DashboardContext
    let credentials: DashboardCredentials
    let secureCookies: Bool

    static let csrfHeader = HTTPField.Name("X-CSRF-Token")!
    static let publicPaths: Set<String> = ["/login", "/healthz", "/metrics", "/api/v1/openapi.json"]

    func handle(_ request: Request, context: Context,
                next: (Request, Context) async throws -> Response) async throws -> Response {
        var context = context
        var request = request
        let path = request.uri.path
        let isAPI = path.hasPrefix("/api/")
        if let header = request.headers[.authorization] {
            let token = header.hasPrefix("Bearer ")
                ? String(header.dropFirst(7)).trimmingCharacters(in: .whitespaces) : ""
            let role: DashboardRole? = credentials.isOpen ? .admin : credentials.role(token: token)
            guard let role else {
                try await Task.sleep(for: .milliseconds(200))  // slows guessing
                throw DashboardError(.unauthorized, "unauthorized", "the bearer token is not valid")
            }
            context.identity = DashboardIdentity(role: role, viaToken: true)
            return try await next(request, context)
        }
        var fresh: DashboardSession?
        var session = request.cookies[DashboardSession.cookieName].flatMap {
            DashboardSession(cookie: $0.value, key: credentials.sessionKey)
        }
        if session == nil || (credentials.isOpen && session?.role == nil) {
            fresh = DashboardSession(role: credentials.isOpen ? .admin : nil)
            session = fresh
        }
        let s = session!
        context.identity = DashboardIdentity(role: s.role, session: s,
                                             csrfToken: s.csrfToken(key: credentials.sessionKey),
                                             signedIn: s.role != nil && !credentials.isOpen)
        let isPublic = Self.publicPaths.contains(path) || path.hasPrefix("/assets/")
        if s.role == nil && !isPublic {
            if isAPI {
                throw DashboardError(.unauthorized, "unauthorized", "sign in, or send Authorization: Bearer TOKEN")
            }
            let nextPath = path.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "/"
            var response = Response.redirect(to: "/login?next=" + nextPath)
            if let fresh { response.setCookie(cookie(fresh)) }
            return response
        }
        if request.method != .get && request.method != .head {
            var sent = request.headers[Self.csrfHeader]
            if sent == nil, request.headers[.contentType]?.hasPrefix("application/x-www-form-urlencoded") == true {
                let body = try await request.collectBody(upTo: 64 * 1024)
                sent = FormFields(String(buffer: body))["_csrf"]
                request.body = .init(buffer: body)
            }
            guard let sent,
                  DashboardCredentials.constantTimeEqual(Array(sent.utf8), Array(context.identity.csrfToken!.utf8))
            else {
                throw DashboardError(.forbidden, "csrf",
                                     "this request lacks the page's CSRF token; reload the page and try again")
            }
        }
        var response = try await next(request, context)
        if let fresh { response.setCookie(cookie(fresh)) }
        return response
    }

    func cookie(_ s: DashboardSession) -> Cookie {
        Cookie(name: DashboardSession.cookieName, value: s.cookieValue(key: credentials.sessionKey),
               maxAge: Int(DashboardSession.lifetime), path: "/", secure: secureCookies, httpOnly: true,
               sameSite: .strict)
    }
}

/// The fields of an `application/x-www-form-urlencoded` body.
struct FormFields {
    private var values: [String: String] = [:]

    init(_ body: String) {
        for pair in body.split(separator: "&") {
            let kv = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            func decode(_ s: Substring) -> String {
                String(s).replacingOccurrences(of: "+", with: " ").removingPercentEncoding ?? ""
            }
            let key = decode(kv[0])
            if values[key] == nil { values[key] = kv.count > 1 ? decode(kv[1]) : "" }
        }
    }

    subscript(_ key: String) -> String? { values[key] }
}
