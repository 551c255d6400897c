import Foundation

/// Where Closebell finds its servers when no flag says otherwise (for the app mains and tests;
/// the library targets never read the environment).
public enum Settings {
    /// `CLOSEBELL_AMQP_URL`, the broker URL both executables read.
    public static let amqpURLVariable = "CLOSEBELL_AMQP_URL"
    /// `CLOSEBELL_DATABASE_URL`, the PostgreSQL URL the coordinator reads (empty: `PG*` variables).
    public static let databaseURLVariable = "CLOSEBELL_DATABASE_URL"

    /// The value of an environment variable, or nil when unset or empty.
    public static func env(_ name: String) -> String? {
        guard let v = ProcessInfo.processInfo.environment[name], !v.isEmpty else { return nil }
        return v
    }

    /// The broker URL from a flag, else the environment, else the local default.
    public static func amqpURL(_ flag: String?) -> String {
        flag ?? env(amqpURLVariable) ?? "amqp://guest:guest@127.0.0.1:5672/%2F"
    }

    /// The database URL from a flag, else the environment, else "" (libpq's `PG*` variables).
    public static func databaseURL(_ flag: String?) -> String {
        flag ?? env(databaseURLVariable) ?? ""
    }
}
