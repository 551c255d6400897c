/// Named locks between Closebell processes (a run's date, an ingested file), as row locks on
/// `closebell_locks`.
///
/// PostgreSQL lets every role call `pg_advisory_lock`, so a read-only analyst could take, and
/// hold, the key a coordinator needs. Locking a row needs the UPDATE privilege on its table,
/// which the analyst role does not have: only Closebell's own role can block Closebell.
public enum NamedLock {
    /// The lock of one market's as-of date: held by the coordinator running it.
    public static func run(market: String, asOf: String) -> String { "run:\(market):\(asOf)" }

    /// The lock of one daily file while it is ingested.
    public static func ingest(file: String) -> String { "ingest:\(file)" }

    /// Tries to take `name` for as long as `db` stays in the transaction this opens; false when
    /// another session holds it. The connection must be used for nothing else while it holds
    /// the lock (closing it, or losing it, releases the lock).
    public static func tryHold(_ name: String, on db: PGConnection) throws -> Bool {
        try ensureRow(name, on: db)
        try db.execute("BEGIN")
        do {
            try db.query("SELECT 1 FROM closebell_locks WHERE name = $1 FOR UPDATE NOWAIT", [name])
            return true
        } catch let e as PGError where e.sqlState == "55P03" {  // lock_not_available
            try db.execute("ROLLBACK")
            return false
        }
    }

    /// Waits for `name` inside the transaction already open on `db`; released at its end.
    public static func lockInTransaction(_ name: String, on db: PGConnection) throws {
        try db.query("INSERT INTO closebell_locks (name) VALUES ($1) ON CONFLICT DO NOTHING", [name])
        try db.query("SELECT 1 FROM closebell_locks WHERE name = $1 FOR UPDATE", [name])
    }

    /// Waits for every one of `names` inside the transaction already open on `db`, taking them
    /// in name order (so two callers never deadlock); released at the transaction's end.
    public static func lockAllInTransaction(_ names: [String], on db: PGConnection) throws {
        let sorted = PGArray.text(names.sorted())
        try db.query("INSERT INTO closebell_locks (name) SELECT unnest($1::text[]) ON CONFLICT DO NOTHING", [sorted])
        try db.query("SELECT 1 FROM closebell_locks WHERE name = ANY($1::text[]) ORDER BY name FOR UPDATE", [sorted])
    }

    static func ensureRow(_ name: String, on db: PGConnection) throws {
        try db.query("INSERT INTO closebell_locks (name) VALUES ($1) ON CONFLICT DO NOTHING", [name])
    }
}
