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
