import ClosebellCoordinator
import ClosebellRuntime
import Foundation
import Synchronization

/// The configuration this process loaded (once, at the start of a command), for the option
/// groups that resolve flag > environment > file > default.
enum AppConfiguration {
    private static let loaded = Mutex<(ClosebellConfiguration, ClosebellSettings)?>(nil)

    /// Loads the configuration (`--config`, `$CLOSEBELL_CONFIG` or config/closebell.yaml); a
    /// problem is one clear line and exit 78.
    @discardableResult
    static func load(_ options: ConfigOptions) async -> (ClosebellConfiguration, ClosebellSettings) {
        do {
            let c = try await options.load(environment: ProcessInfo.processInfo.environment)
            loaded.withLock { $0 = c }
            return c
        } catch {
            fail("\(error)", code: ExitCodes.config)
        }
    }

    /// The loaded settings (``load(_:)`` must have run).
    static var settings: ClosebellSettings {
        guard let s = loaded.withLock({ $0?.1 }) else { fail("internal error: configuration not loaded") }
        return s
    }
}

extension AppConfiguration {
    /// Notifications and accuracy alerts as the settings configure them; a bad URL or address is
    /// one clear line and exit 78.
    static var followUp: OutcomeFollowUp {
        let s = settings
        var n = NotifyOptions()
        n.webhookURL = s.notifyWebhookURL
        n.smtpURL = s.notifySMTPURL
        n.smtpCAFile = s.notifySMTPCAFile
        n.emailFrom = s.notifyEmailFrom
        n.emailTo = s.notifyEmailTo
        n.events = Set(s.notifyEvents.compactMap(Notice.Event.init(rawValue:)))
        n.baseURL = s.notifyBaseURL
        n.timeout = .milliseconds(Int(s.notifyTimeoutSeconds * 1000))
        do {
            return OutcomeFollowUp(policy: AlertPolicy(hitRateBelow: s.alertHitRateBelow, maeMultiple: s.alertMAEMultiple),
                                   dispatcher: try n.dispatcher(), baseURL: s.notifyBaseURL.isEmpty ? nil : s.notifyBaseURL)
        } catch {
            fail("\(error)", code: ExitCodes.config)
        }
    }
}
