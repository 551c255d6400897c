/// One configuration setting: its key in `config/closebell.yaml`, its environment variable
/// (`CLOSEBELL_` + the key in upper case, dots as underscores), its built-in default, and
/// whether it is a secret (then only the environment or a `…_FILE` may set it, and it is never
/// printed).
public struct SettingKey: Sendable, Hashable {
    /// What a setting holds, for reading it with the right type.
    public enum Kind: Sendable { case string, int, double, intList }

    public let key: String
    public let kind: Kind
    public let defaultValue: String
    public let secret: Bool
    public let help: String

    public init(_ key: String, _ kind: Kind, _ defaultValue: String, secret: Bool = false, _ help: String) {
        self.key = key
        self.kind = kind
        self.defaultValue = defaultValue
        self.secret = secret
        self.help = help
    }

    /// `CLOSEBELL_DATABASE_URL` for `database.url`.
    public var environmentVariable: String {
        "CLOSEBELL_" + key.uppercased().replacingOccurrences(of: ".", with: "_")
    }

    public static func == (a: SettingKey, b: SettingKey) -> Bool { a.key == b.key }
    public func hash(into h: inout Hasher) { h.combine(key) }
}

/// Every setting Closebell reads, in the order `coordinator config` prints them. The default
/// file `config/closebell.yaml` lists the same, each with its default and a comment.
public enum SettingKeys {
    public static let databaseURL = SettingKey("database.url", .string, "", secret: true,
                                               "PostgreSQL URL; empty: libpq's PG* variables")
    public static let amqpURL = SettingKey("amqp.url", .string, "amqp://guest:guest@127.0.0.1:5672/%2F", secret: true,
                                           "RabbitMQ URL (amqps:// for TLS, ?cacertfile=)")
    public static let topologyPrefix = SettingKey("topology.prefix", .string, "closebell", "name prefix of exchanges and queues")
    public static let deliveryLimit = SettingKey("delivery.limit", .int, "5", "redeliveries before the broker dead-letters a chunk")
    public static let models = SettingKey("models", .string, "models", "model store folder, as the workers see it")
    public static let chunkSize = SettingKey("run.chunk_size", .int, "0",
                                                 "symbols per chunk; 0: chosen from the run's size and the workers present")
    public static let timeout = SettingKey("run.timeout_seconds", .double, "120", "seconds a worker may hold a chunk")
    public static let maxAttempts = SettingKey("run.max_attempts", .int, "3", "attempts per chunk before its symbols fail")
    public static let backoff = SettingKey("run.backoff_seconds", .double, "1", "first retry delay, doubling, at most 60")
    public static let brokerTimeout = SettingKey("run.broker_timeout_seconds", .double, "120",
                                                 "seconds to wait for an unreachable broker before the run fails")
    public static let windowCache = SettingKey("run.window_cache", .string, "",
                                               "folder where daily runs keep their windows for the next; empty: none")
    public static let logDir = SettingKey("log.dir", .string, "logs", "folder of the per-run log files")
    public static let logFormat = SettingKey("log.format", .string, "text", "text or json")
    public static let logLevel = SettingKey("log.level", .string, "info", "trace, debug, info, warning or error")
    public static let metricsPort = SettingKey("metrics.port", .int, "0", "port of /metrics /healthz /readyz; 0: off")
    public static let metricsHost = SettingKey("metrics.host", .string, "127.0.0.1", "address the metrics server binds")
    public static let prefetch = SettingKey("worker.prefetch", .int, "1", "chunks a worker holds unacknowledged")
    public static let heartbeat = SettingKey("worker.heartbeat_seconds", .int, "30", "AMQP heartbeat interval")
    public static let gracePeriod = SettingKey("worker.grace_period_seconds", .double, "60",
                                               "seconds to finish the chunk in hand after SIGTERM")
    public static let market = SettingKey("market.name", .string, "",
                                          "market (daily-file prefix); empty: the only one ingested")
    public static let tradingWeekdays = SettingKey("market.trading_weekdays", .intList, "0,1,2,3,4",
                                                   "weekdays the market trades, 0 = Sunday")
    public static let timeZone = SettingKey("market.time_zone", .string, "Asia/Kathmandu", "the market's time zone")
    public static let alertHitRate = SettingKey("alerts.hit_rate_below", .double, "0.5",
                                                "alert when a model's rolling 20-day hit rate falls below this")
    public static let alertMAEMultiple = SettingKey("alerts.mae_multiple", .double, "1.5",
                                                    "alert when its rolling 20-day MAE exceeds this multiple of its 120-day baseline")
    public static let notifyWebhook = SettingKey("notify.webhook_url", .string, "", secret: true,
                                                 "Slack-compatible incoming webhook; empty: none")
    public static let notifySMTP = SettingKey("notify.smtp_url", .string, "", secret: true,
                                              "smtp://, smtp+starttls:// or smtps:// with optional user:password@; empty: none")
    public static let notifyCAFile = SettingKey("notify.smtp_ca_file", .string, "",
                                                "PEM certificate authorities for the SMTP server; empty: the system's")
    public static let notifyFrom = SettingKey("notify.email_from", .string, "closebell@localhost", "sender address")
    public static let notifyTo = SettingKey("notify.email_to", .string, "", "recipients, comma-separated")
    public static let notifyEvents = SettingKey("notify.events", .string, "completed_with_failures,failed,cancelled,degraded",
                                                "events sent: completed, completed_with_failures, failed, cancelled, degraded")
    public static let notifyBaseURL = SettingKey("notify.base_url", .string, "", "dashboard base URL for links; empty: none")
    public static let notifyTimeout = SettingKey("notify.timeout_seconds", .double, "10",
                                                 "seconds a notice may take, retries included")

    public static let dashboardHost = SettingKey("dashboard.host", .string, "127.0.0.1",
                                                 "address the dashboard binds; beyond loopback it needs a password or token")
    public static let dashboardPort = SettingKey("dashboard.port", .int, "8080", "port of the dashboard")
    public static let dashboardAdminPassword = SettingKey("dashboard.admin_password", .string, "", secret: true,
                                                          "password of the admin role (launch, cancel, retry); empty: none")
    public static let dashboardAdminToken = SettingKey("dashboard.admin_token", .string, "", secret: true,
                                                       "API bearer token of the admin role; empty: none")
    public static let dashboardViewerPassword = SettingKey("dashboard.viewer_password", .string, "", secret: true,
                                                           "password of the read-only viewer role; empty: none")
    public static let dashboardViewerToken = SettingKey("dashboard.viewer_token", .string, "", secret: true,
                                                        "API bearer token of the viewer role; empty: none")

    public static let all: [SettingKey] = [
        databaseURL, amqpURL, topologyPrefix, deliveryLimit, models, chunkSize, timeout, maxAttempts, backoff, brokerTimeout,
        windowCache,
        logDir, logFormat, logLevel, metricsPort, metricsHost, prefetch, heartbeat, gracePeriod, market, tradingWeekdays, timeZone,
        alertHitRate, alertMAEMultiple, notifyWebhook, notifySMTP, notifyCAFile, notifyFrom, notifyTo, notifyEvents, notifyBaseURL,
        notifyTimeout, dashboardHost, dashboardPort, dashboardAdminPassword, dashboardAdminToken, dashboardViewerPassword,
        dashboardViewerToken,
    ]
}
