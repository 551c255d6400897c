/// An error from PostgreSQL or libpq, with the server's SQLSTATE when there is one.
public struct PGError: Error, CustomStringConvertible, Sendable {
    /// SQLSTATE, e.g. `23505` (unique violation), `42501` (insufficient privilege), `57P01` (admin shutdown).
    public let sqlState: String?
    public let message: String
    /// The statement or step that failed, for context.
    public let context: String?

    public init(sqlState: String?, message: String, context: String? = nil) {
        self.sqlState = sqlState
        self.message = message
        self.context = context
    }

    /// SQLSTATE of a unique violation (a key that already exists).
    public static let uniqueViolation = "23505"

    /// True for errors after which the connection must be re-established
    /// (connection exceptions `08…`, server shutdown `57P…`, or no SQLSTATE at all).
    public var isConnectionLoss: Bool {
        guard let s = sqlState else { return true }
        return s.hasPrefix("08") || s.hasPrefix("57P")
    }

    public var description: String {
        let where_ = context.map { " (\($0))" } ?? ""
        if let s = sqlState { return "PostgreSQL \(s): \(message)\(where_)" }
        return "PostgreSQL: \(message)\(where_)"
    }
}
