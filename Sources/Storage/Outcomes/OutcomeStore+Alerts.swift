import ClosebellCore

/// A degradation alert as the `alerts` table keeps it.
public struct AlertRecord: Sendable, Equatable, Encodable {
    public let id: Int64
    public let modelKind: String
    public let modelHash: String
    public let asOf: Day
    public let reasons: [String]
    public let message: String
}

extension OutcomeStore {
    /// Records an alert unless the model already has one for that as-of date; returns the new
    /// record, or nil when it had (an alert fires at most once per model and day).
    public func recordAlert(_ a: RollingAccuracy, reasons: [String], message: String) throws -> AlertRecord? {
        let rows = try db.query("""
            INSERT INTO alerts (model_kind, model_hash, as_of_date, reasons, hit_rate_20, mae_20, baseline_mae_120, message)
            VALUES ($1, $2, $3, $4::text[], $5::float8, $6, $7::float8, $8)
            ON CONFLICT (model_kind, model_hash, as_of_date) DO NOTHING RETURNING id
            """, [a.modelKind, a.modelHash, a.asOf.description, PGArray.text(reasons), a.hitRate20.map { "\($0)" },
                  "\(a.mae20)", a.baselineMAE120.map { "\($0)" }, message])
        guard let id = rows.scalar.flatMap(Int64.init) else { return nil }
        return AlertRecord(id: id, modelKind: a.modelKind, modelHash: a.modelHash, asOf: a.asOf, reasons: reasons,
                           message: message)
    }

    /// Marks an alert as sent to every configured notifier.
    public func markNotified(_ id: Int64) throws {
        try db.query("UPDATE alerts SET notified_at = now() WHERE id = $1", [id])
    }

    /// The latest alerts, newest first.
    public func recentAlerts(limit: Int = 50) throws -> [AlertRecord] {
        try db.query("""
            SELECT id, model_kind, model_hash, as_of_date::text, array_to_json(reasons)::text, message FROM alerts
            ORDER BY created_at DESC, id DESC LIMIT $1
            """, [limit]).decode { r in
            let reasons = try r.string(4).dropFirst().dropLast().split(separator: ",").map { $0.trimmingCharacters(in: ["\""]) }
            return AlertRecord(id: try r.int64(0), modelKind: try r.string(1), modelHash: try r.string(2), asOf: try r.day(3),
                               reasons: reasons, message: try r.string(5))
        }
    }
}
