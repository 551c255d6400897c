import ArgumentParser
import ClosebellCoordinator
import ClosebellDashboard
import ClosebellRuntime
import ClosebellStorage
import Foundation
import Logging
import ServiceLifecycle

/// `coordinator dashboard`: the web dashboard and its JSON API.
struct DashboardCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dashboard",
        abstract: "Serve the web dashboard and its JSON API (/api/v1) until SIGTERM or Ctrl-C.",
        discussion: """
            Binds 127.0.0.1:8080 by default (settings dashboard.host, dashboard.port). On any other \
            address it refuses to start unless a password or token is configured \
            (CLOSEBELL_DASHBOARD_ADMIN_PASSWORD / _ADMIN_TOKEN / _VIEWER_PASSWORD / _VIEWER_TOKEN, \
            or their _FILE forms). Runs launched from it are `coordinator run` / `backfill` child \
            processes that keep going when the dashboard stops.
            """)
    @OptionGroup var db: DatabaseOptions
    @OptionGroup var broker: BrokerOptions
    @Option(help: "Address to bind (default: setting dashboard.host).") var host: String?
    @Option(help: "Port (default: setting dashboard.port).") var port: Int?
    @Option(help: "Folder of the per-run log files (default: setting log.dir).") var logDir: String?
    @Flag(help: "Mark session cookies Secure (serve behind HTTPS).") var secureCookies = false

    func run() async throws {
        await AppConfiguration.load(db.configuration)
        bootstrapLogging()
        let s = AppConfiguration.settings
        let logger = Logger(label: "closebell.dashboard")
        let logDirectory = absolutePath(logDir ?? s.logDir)
        var launcher = CoordinatorLauncher(executable: Self.executablePath(), logDirectory: logDirectory)
        launcher.environment = ["CLOSEBELL_DATABASE_URL": db.url, "CLOSEBELL_AMQP_URL": broker.amqpURL ?? s.amqpURL]
        if let config = db.configuration.config { launcher.commonArguments = ["--config", absolutePath(config)] }
        let credentials = DashboardCredentials(adminPassword: s.dashboardAdminPassword,
                                               adminToken: s.dashboardAdminToken,
                                               viewerPassword: s.dashboardViewerPassword,
                                               viewerToken: s.dashboardViewerToken)
        var options = DashboardOptions(databaseURL: db.url, amqpURL: broker.url(), topology: broker.topology,
                                       credentials: credentials, launcher: launcher, logDirectory: logDirectory,
                                       defaultModels: absolutePath(s.models))
        options.host = host ?? s.dashboardHost
        options.port = port ?? s.dashboardPort
        options.managementURL = ProcessInfo.processInfo.environment["CLOSEBELL_MANAGEMENT_URL"]
        options.secureCookies = secureCookies
        options.alertPolicy = AlertPolicy(hitRateBelow: s.alertHitRateBelow, maeMultiple: s.alertMAEMultiple)
        do { try options.validate() } catch { fail("\(error)", code: ExitCodes.config) }
        try await onOwnThread {
            do {
                let c = try PGConnection(db.url)
                try Migrator.migrate(c)
                c.close()
            } catch {
                fail("\(error)")
            }
        }
        let database = DashboardDatabase(url: db.url)
        defer { database.close() }
        let app = try DashboardServer.application(service: DashboardService(options: options, db: database),
                                                  logger: logger)
        logger.info("dashboard listening", metadata: ["url": "http://\(options.host):\(options.port)/",
                                                      "auth": "\(credentials.isOpen ? "open (loopback)" : "required")"])
        try await ServiceGroup(configuration: .init(services: [app], gracefulShutdownSignals: [.sigterm, .sigint],
                                                    logger: logger)).run()
    }

    /// This executable's absolute path (runs are started with it).
    static func executablePath() -> String {
        (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe"))
            ?? absolutePath(CommandLine.arguments[0])
    }
}
