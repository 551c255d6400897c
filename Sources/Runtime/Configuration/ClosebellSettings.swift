import Foundation
import Configuration
import Logging

/// Every setting, typed, as the configuration resolves it (environment > file > default).
/// Commands put their flags over these.
public struct ClosebellSettings: Sendable {
    public var databaseURL: String
    public var amqpURL: String
    public var topologyPrefix: String
    public var deliveryLimit: Int
    public var models: String
    public var chunkSize: Int
    public var timeoutSeconds: Double
    public var maxAttempts: Int
    public var backoffSeconds: Double
    public var brokerTimeoutSeconds: Double
    /// Empty: daily runs keep no windows between them.
    public var windowCache: String
    public var logDir: String
    public var logFormat: LogFormat
    public var logLevel: Logger.Level
    public var metricsPort: Int
    public var metricsHost: String
    public var prefetch: Int
    public var heartbeatSeconds: Int
    public var gracePeriodSeconds: Double
    /// Empty: the only market with data.
    public var market: String
    public var tradingWeekdays: [Int]
    public var timeZone: String
    public var alertHitRateBelow: Double
    public var alertMAEMultiple: Double
    public var notifyWebhookURL: String
    public var notifySMTPURL: String
    public var notifySMTPCAFile: String
    public var notifyEmailFrom: String
    /// Recipients (from the comma-separated setting).
    public var notifyEmailTo: [String]
    /// Event names, validated against the known ones by the coordinator.
    public var notifyEvents: [String]
    public var notifyBaseURL: String
    public var notifyTimeoutSeconds: Double
    public var dashboardHost: String
    public var dashboardPort: Int
    /// The dashboard's secrets (empty: not configured).
    public var dashboardAdminPassword: String
    public var dashboardAdminToken: String
    public var dashboardViewerPassword: String
    public var dashboardViewerToken: String

    /// Reads every setting; a value of the wrong kind or out of range is a ``ClosebellConfiguration/Problem``
    /// naming the key and where it came from.
    public init(_ config: ClosebellConfiguration) throws {
        let r = config.reader
        func string(_ k: SettingKey) -> String { r.string(forKey: ConfigKey(k.key), isSecret: k.secret) ?? k.defaultValue }
        func bad(_ k: SettingKey, _ why: String) -> ClosebellConfiguration.Problem {
            let source = config.explain().first { $0.key == k }?.source ?? "?"
            return .init(description: "setting \(k.key) (from \(source)): \(why)")
        }
        func int(_ k: SettingKey, _ range: ClosedRange<Int>) throws -> Int {
            guard let v = r.int(forKey: ConfigKey(k.key)) else { throw bad(k, "not an integer") }
            guard range.contains(v) else { throw bad(k, "\(v) is outside \(range.lowerBound)…\(range.upperBound)") }
            return v
        }
        func double(_ k: SettingKey, minimum: Double) throws -> Double {
            guard let v = r.double(forKey: ConfigKey(k.key)) else { throw bad(k, "not a number") }
            guard v.isFinite, v >= minimum else { throw bad(k, "\(v) is below \(minimum)") }
            return v
        }
        databaseURL = string(SettingKeys.databaseURL)
        amqpURL = string(SettingKeys.amqpURL)
        topologyPrefix = string(SettingKeys.topologyPrefix)
        deliveryLimit = try int(SettingKeys.deliveryLimit, 1...1000)
        models = string(SettingKeys.models)
        chunkSize = try int(SettingKeys.chunkSize, 0...1_000_000)
        timeoutSeconds = try double(SettingKeys.timeout, minimum: 0.001)
        maxAttempts = try int(SettingKeys.maxAttempts, 1...1000)
        backoffSeconds = try double(SettingKeys.backoff, minimum: 0)
        brokerTimeoutSeconds = try double(SettingKeys.brokerTimeout, minimum: 0.001)
        windowCache = string(SettingKeys.windowCache)
        logDir = string(SettingKeys.logDir)
        guard let format = LogFormat(rawValue: string(SettingKeys.logFormat)) else { throw bad(SettingKeys.logFormat, "use text or json") }
        logFormat = format
        guard let level = Logger.Level(rawValue: string(SettingKeys.logLevel)) else {
            throw bad(SettingKeys.logLevel, "use trace, debug, info, notice, warning, error or critical")
        }
        logLevel = level
        metricsPort = try int(SettingKeys.metricsPort, 0...65_535)
        metricsHost = string(SettingKeys.metricsHost)
        prefetch = try int(SettingKeys.prefetch, 1...65_535)
        heartbeatSeconds = try int(SettingKeys.heartbeat, 0...3600)
        gracePeriodSeconds = try double(SettingKeys.gracePeriod, minimum: 0.001)
        market = string(SettingKeys.market)
        guard let days = r.intArray(forKey: ConfigKey(SettingKeys.tradingWeekdays.key)), !days.isEmpty,
              days.allSatisfy((0...6).contains) else {
            throw bad(SettingKeys.tradingWeekdays, "a list of weekdays 0 (Sunday) … 6, at least one")
        }
        tradingWeekdays = days
        timeZone = string(SettingKeys.timeZone)
        alertHitRateBelow = try double(SettingKeys.alertHitRate, minimum: 0)
        alertMAEMultiple = try double(SettingKeys.alertMAEMultiple, minimum: 0)
        notifyWebhookURL = string(SettingKeys.notifyWebhook)
        notifySMTPURL = string(SettingKeys.notifySMTP)
        notifySMTPCAFile = string(SettingKeys.notifyCAFile)
        notifyEmailFrom = string(SettingKeys.notifyFrom)
        func list(_ k: SettingKey) -> [String] {
            string(k).split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        }
        notifyEmailTo = list(SettingKeys.notifyTo)
        notifyEvents = list(SettingKeys.notifyEvents)
        let known = ["completed", "completed_with_failures", "failed", "cancelled", "degraded"]
        if let unknown = notifyEvents.first(where: { !known.contains($0) }) {
            throw bad(SettingKeys.notifyEvents, "unknown event '\(unknown)'; use \(known.joined(separator: ", "))")
        }
        notifyBaseURL = string(SettingKeys.notifyBaseURL)
        notifyTimeoutSeconds = try double(SettingKeys.notifyTimeout, minimum: 0.1)
        dashboardHost = string(SettingKeys.dashboardHost)
        dashboardPort = try int(SettingKeys.dashboardPort, 0...65_535)
        dashboardAdminPassword = string(SettingKeys.dashboardAdminPassword)
        dashboardAdminToken = string(SettingKeys.dashboardAdminToken)
        dashboardViewerPassword = string(SettingKeys.dashboardViewerPassword)
        dashboardViewerToken = string(SettingKeys.dashboardViewerToken)
    }
}
