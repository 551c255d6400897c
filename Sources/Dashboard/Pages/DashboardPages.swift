import Foundation
import Hummingbird

/// The pages' routes: active runs at `/`, launch, history, run detail, queues and workers,
/// accuracy, export, sign-in, and the two assets.
struct DashboardPages {
    let service: DashboardService

    func register(on router: Router<DashboardContext>) {
        let runs = RunPages(service: service)
        let operations = OperationPages(service: service)
        let accuracy = AccuracyPage(service: service)
        let credentials = service.options.credentials
        let cookies = DashboardAuthMiddleware(credentials: credentials, secureCookies: service.options.secureCookies)
        router.get("/") { _, context in try await runs.active(context.identity) }
        router.get("launch") { _, context in await operations.launch(context.identity) }
        router.get("runs") { request, context in try await runs.history(request, context.identity) }
        router.get("runs/:id") { _, context in try await runs.detail(context) }
        router.get("queues") { _, context in try await operations.queues(context.identity) }
        router.get("accuracy") { _, context in try await accuracy.render(context.identity) }
        router.get("export") { _, context in operations.export(context.identity) }
        router.get("healthz") { _, _ in "ok\n" }
        router.get("login") { request, context -> Response in
            let next = OperationPages.safeNext(request.uri.queryParameters.get("next"))
            if context.identity.role != nil { return .redirect(to: next) }
            return operations.login(context.identity, next: next)
        }
        router.post("login") { request, context -> Response in
            var request = request
            let form = FormFields(String(buffer: try await request.collectBody(upTo: 64 * 1024)))
            let next = OperationPages.safeNext(form["next"])
            guard let role = credentials.role(password: form["password"] ?? "") else {
                try await Task.sleep(for: .milliseconds(500))  // slows guessing
                return operations.login(context.identity, next: next, error: "That password is not right.",
                                        status: .unauthorized)
            }
            var response = Response.redirect(to: next, type: .normal)
            response.setCookie(cookies.cookie(DashboardSession(role: role)))  // a new id: no session fixation
            return response
        }
        router.post("logout") { _, _ -> Response in
            var response = Response.redirect(to: "/login", type: .normal)
            response.setCookie(cookies.cookie(DashboardSession(role: credentials.isOpen ? .admin : nil)))
            return response
        }
        router.get("assets/app.css") { _, _ in Self.asset(Assets.css, type: "text/css; charset=utf-8") }
        router.get("assets/app.js") { _, _ in Self.asset(Assets.js, type: "text/javascript; charset=utf-8") }
    }

    static func asset(_ text: String, type: String) -> Response {
        var h = HTTPFields()
        h[.contentType] = type
        h[.cacheControl] = "max-age=300"
        return Response(status: .ok, headers: h, body: .init(byteBuffer: ByteBuffer(string: text)))
    }
}
