import Hummingbird
import Logging
import Prometheus
import ServiceLifecycle

/// The HTTP endpoints every long-running Closebell process serves: `/metrics` (Prometheus text
/// format), `/healthz` (the process is alive) and `/readyz` (connected to what it needs: 503
/// with the reason until then).
public enum HealthServer {
    /// An application (a `Service`) listening on `host:port`.
    public static func application(host: String, port: Int, registry: PrometheusCollectorRegistry,
                                   readiness: @escaping @Sendable () -> String?,
                                   logger: Logger) -> some Service {
        let router = Router()
        router.get("metrics") { _, _ -> Response in
            var headers = HTTPFields()
            headers[.contentType] = "text/plain; version=0.0.4; charset=utf-8"
            return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(string: registry.emitToString())))
        }
        router.get("healthz") { _, _ in "ok\n" }
        router.get("readyz") { _, _ -> Response in
            if let notReady = readiness() {
                return Response(status: .serviceUnavailable, body: .init(byteBuffer: ByteBuffer(string: "not ready: \(notReady)\n")))
            }
            return Response(status: .ok, body: .init(byteBuffer: ByteBuffer(string: "ready\n")))
        }
        return Application(router: router, configuration: .init(address: .hostname(host, port: port), serverName: "closebell"),
                           logger: logger)
    }
}
