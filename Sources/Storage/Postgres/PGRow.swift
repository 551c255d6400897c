import ClosebellCore

/// One result row with typed accessors: a column that is NULL or not of the expected type
/// throws a ``PGError`` naming the column, instead of crashing on a forced unwrap.
public struct PGRow: Sendable {
    public let values: [String?]
    public let columns: [String]

    public init(values: [String?], columns: [String]) {
        self.values = values
        self.columns = columns
    }

    func name(_ i: Int) -> String { i < columns.count ? columns[i] : "#\(i)" }

    func bad(_ i: Int, _ type: String) -> PGError {
        let shown = i < values.count ? (values[i].map { "'\(RawText.display($0, limit: 40))'" } ?? "NULL") : "missing"
        return PGError(sqlState: "22000", message: "column \(name(i)) is \(shown), expected \(type)")
    }

    public func optional(_ i: Int) -> String? { i < values.count ? values[i] : nil }

    public func string(_ i: Int) throws -> String {
        guard let v = optional(i) else { throw bad(i, "text") }
        return v
    }

    public func int(_ i: Int) throws -> Int {
        guard let v = optional(i), let x = Int(v) else { throw bad(i, "an integer") }
        return x
    }

    public func int64(_ i: Int) throws -> Int64 {
        guard let v = optional(i), let x = Int64(v) else { throw bad(i, "a bigint") }
        return x
    }

    public func optionalInt64(_ i: Int) throws -> Int64? {
        guard let v = optional(i) else { return nil }
        guard let x = Int64(v) else { throw bad(i, "a bigint") }
        return x
    }

    public func double(_ i: Int) throws -> Double {
        guard let v = optional(i), let x = Double(v) else { throw bad(i, "a number") }
        return x
    }

    public func bool(_ i: Int) throws -> Bool {
        guard let v = optional(i), v == "t" || v == "f" else { throw bad(i, "a boolean") }
        return v == "t"
    }

    public func day(_ i: Int) throws -> Day {
        guard let v = optional(i), let d = Day(iso: v) else { throw bad(i, "a date") }
        return d
    }

    public func optionalDay(_ i: Int) throws -> Day? {
        guard let v = optional(i) else { return nil }
        guard let d = Day(iso: v) else { throw bad(i, "a date") }
        return d
    }

    /// A value converted by `make` (an enum's `init(rawValue:)`).
    public func decode<T>(_ i: Int, _ make: (String) -> T?) throws -> T {
        guard let v = optional(i), let x = make(v) else { throw bad(i, "a \(T.self)") }
        return x
    }
}

extension PGRows {
    /// The rows with typed accessors.
    public var typed: [PGRow] { rows.map { PGRow(values: $0, columns: columns) } }

    /// Each row decoded by `make`.
    public func decode<T>(_ make: (PGRow) throws -> T) throws -> [T] { try typed.map(make) }
}
