import ClosebellStorage
import Hummingbird
import Logging

/// Turns every error into an answer the caller can act on: the API gets
/// `{"error": {"code", "message", "field"}}` with the right 4xx/5xx status, the pages a message
/// on the page. Unexpected errors are logged and answered without their details.
struct DashboardErrorMiddleware: RouterMiddleware {
    typealias Context = DashboardContext
    let logger: Logger

    func handle(_ request: Request, context: Context,
                next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let e as DashboardError {
            return render(e, request)
        } catch let e as DashboardDatabase.Unavailable {
            return render(DashboardError(.serviceUnavailable, "unavailable", e.description), request)
        } catch let e as HTTPError {
            let code = e.status == .notFound ? "not_found" : "http_\(e.status.code)"
            let message = e.status == .notFound
                ? "no such page: \(LaunchRequest.shown(request.uri.path))" : (e.body ?? e.status.reasonPhrase)
            return render(DashboardError(e.status, code, message), request)
        } catch let e as PGError {
            logger.error("database error", metadata: ["path": "\(request.uri.path)", "error": "\(e)"])
            return render(DashboardError(.serviceUnavailable, "database",
                                         "the database could not answer: \(e.message)"), request)
        } catch {
            logger.error("request failed", metadata: ["path": "\(request.uri.path)", "error": "\(error)"])
            return render(DashboardError(.internalServerError, "internal",
                                         "internal error; the dashboard's log has the details"), request)
        }
    }

    func render(_ e: DashboardError, _ request: Request) -> Response {
        if request.uri.path.hasPrefix("/api/") || request.headers[.accept]?.hasPrefix("application/json") == true {
            return e.response
        }
        let title = e.status == .notFound ? "Not found" : e.status.code < 500 ? "Cannot do that" : "Unavailable"
        return HTML.page(title, path: "", identity: DashboardIdentity(), status: e.status,
                         body: HTML.message(e.message) + "<p><a href=\"/\">Back to the active runs</a></p>")
    }
}
