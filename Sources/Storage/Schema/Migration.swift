import Foundation

/// One versioned schema change. Versions are applied in order, once each, and recorded in
/// `schema_migrations`; a migration never changes after it has shipped — add a new one.
public struct Migration: Sendable {
    public let version: Int
    public let name: String
    public let sql: String

    public init(version: Int, name: String, sql: String) {
        self.version = version
        self.name = name
        self.sql = sql
    }
}

/// Applies pending migrations under a table lock, so concurrent `migrate` calls are safe.
///
/// The lock is `EXCLUSIVE` on `schema_migrations`, which only a role that may write the table can
/// take (an advisory lock could be taken, and held, by any role, the read-only analyst's too).
public enum Migrator {
    /// Applies every migration in `migrations` not yet recorded; returns the versions applied.
    /// Running it again applies nothing.
    @discardableResult
    public static func migrate(_ db: PGConnection, migrations: [Migration] = Schema.migrations) throws -> [Int] {
        try db.execute("""
            CREATE TABLE IF NOT EXISTS schema_migrations (
                version integer PRIMARY KEY,
                name text NOT NULL,
                applied_at timestamptz NOT NULL DEFAULT now())
            """)
        return try db.transaction {
            try db.execute("LOCK TABLE schema_migrations IN EXCLUSIVE MODE")
            let done = Set(try db.query("SELECT version FROM schema_migrations").rows.compactMap { $0[0].flatMap { Int($0) } })
            var applied: [Int] = []
            for m in migrations.sorted(by: { $0.version < $1.version }) where !done.contains(m.version) {
                do {
                    try db.execute(m.sql)
                } catch let e as PGError {
                    throw PGError(sqlState: e.sqlState, message: e.message, context: "migration \(m.version) \(m.name)")
                }
                try db.query("INSERT INTO schema_migrations (version, name) VALUES ($1, $2)", [m.version, m.name])
                applied.append(m.version)
            }
            return applied
        }
    }

    /// The highest applied version, or 0.
    public static func currentVersion(_ db: PGConnection) throws -> Int {
        let exists = try db.query("SELECT to_regclass('schema_migrations') IS NOT NULL").scalar == "t"
        guard exists else { return 0 }
        return Int(try db.query("SELECT coalesce(max(version), 0) FROM schema_migrations").scalar ?? "0") ?? 0
    }
}
