import ClosebellCoordinator
import ClosebellProtocol
import Foundation

/// How the dashboard runs: where it listens, what it reads, how it starts runs.
public struct DashboardOptions: Sendable {
    /// Address to bind. Default 127.0.0.1: any other address needs a password or token.
    public var host = "127.0.0.1"
    /// Port to listen on. Default 8080.
    public var port = 8080
    public var databaseURL: String
    public var amqpURL: AMQPURL
    /// The RabbitMQ management API (unacked counts); nil: ready and consumers by passive declare.
    public var managementURL: String?
    public var topology: ClosebellTopology
    public var credentials: DashboardCredentials
    /// Starts `coordinator run`, `backfill`, `cancel` and `retry`.
    public var launcher: CoordinatorLauncher
    /// Folder of the per-run log files (`run-<id>.log`), as the launched runs write them.
    public var logDirectory: String
    /// The model store the Launch page suggests. Default: the `models` setting.
    public var defaultModels: String
    /// Runs per history page. Default 50.
    public var pageSize = 50
    /// Minutes of chunk completions the workers table covers. Default 15.
    public var workerWindowMinutes = 15
    /// Days of accuracy the charts show. Default 250.
    public var accuracyDays = 250
    /// Cookies only over HTTPS (behind a TLS-terminating proxy). Default false.
    public var secureCookies = false
    /// When `/metrics` reports a model's accuracy as degraded. Default: the settings `alerts.*`
    /// as the coordinator reads them (hit rate below 0.5, MAE above 1.5× its baseline).
    public var alertPolicy = AlertPolicy()

    public init(databaseURL: String, amqpURL: AMQPURL, topology: ClosebellTopology, credentials: DashboardCredentials,
                launcher: CoordinatorLauncher, logDirectory: String, defaultModels: String) {
        self.databaseURL = databaseURL
        self.amqpURL = amqpURL
        self.topology = topology
        self.credentials = credentials
        self.launcher = launcher
        self.logDirectory = logDirectory
        self.defaultModels = defaultModels
    }

    /// Whether `host` is a loopback address.
    public var isLoopback: Bool {
        host == "localhost" || host == "::1" || host.hasPrefix("127.")
    }

    /// Refuses to serve beyond loopback without a password or token.
    public func validate() throws {
        if !isLoopback && credentials.isOpen {
            throw DashboardError(.internalServerError, "insecure",
                                 "refusing to listen on \(host) without a password or token: set "
                                 + "CLOSEBELL_DASHBOARD_ADMIN_PASSWORD or CLOSEBELL_DASHBOARD_ADMIN_TOKEN "
                                 + "(or their _FILE forms), or bind 127.0.0.1")
        }
        guard (0...65_535).contains(port) else {
            throw DashboardError(.internalServerError, "port", "port \(port) is not a TCP port")
        }
    }
}
