import Hummingbird
import Logging

/// The dashboard as a Hummingbird application: the pages, the `/api/v1` JSON API, and the auth
/// and error middleware in front of both. Run it as a `Service` in a `ServiceGroup`.
public enum DashboardServer {
    /// The router (the route tests drive it directly).
    public static func router(service: DashboardService, logger: Logger) -> Router<DashboardContext> {
        let router = Router(context: DashboardContext.self)
        router.add(middleware: DashboardErrorMiddleware(logger: logger))
        router.add(middleware: DashboardAuthMiddleware(credentials: service.options.credentials,
                                                       secureCookies: service.options.secureCookies))
        let metrics = DashboardMetrics(service: service, policy: service.options.alertPolicy)
        router.get("metrics") { _, _ -> Response in
            var headers = HTTPFields()
            headers[.contentType] = "text/plain; version=0.0.4; charset=utf-8"
            do {
                return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(string: try await metrics.render())))
            } catch {
                return Response(status: .serviceUnavailable, headers: headers,
                                body: .init(byteBuffer: ByteBuffer(string: "# PostgreSQL unreachable: \(error)\n")))
            }
        }
        DashboardAPI(service: service).register(on: router)
        DashboardPages(service: service).register(on: router)
        return router
    }

    /// The application listening on the options' host and port; refuses an address beyond
    /// loopback without a password or token.
    public static func application(service: DashboardService, logger: Logger) throws -> some ApplicationProtocol {
        try service.options.validate()
        return Application(router: router(service: service, logger: logger),
                           configuration: .init(address: .hostname(service.options.host, port: service.options.port),
                                                serverName: "closebell-dashboard"),
                           logger: logger)
    }
}
