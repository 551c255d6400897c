import ClosebellCore
import CLibPQ
import Foundation

/// A value bound to a query parameter. Parameters are always sent separately from the SQL
/// text (PQexecParams), never spliced into it.
public protocol PGBindable {
    /// The parameter's text form, or nil for SQL NULL.
    var pgText: String? { get }
}

extension String: PGBindable { public var pgText: String? { self } }
extension Int: PGBindable { public var pgText: String? { String(self) } }
extension Int64: PGBindable { public var pgText: String? { String(self) } }
extension Bool: PGBindable { public var pgText: String? { self ? "t" : "f" } }
extension Double: PGBindable {
    public var pgText: String? {
        if isNaN { return "NaN" }
        if isInfinite { return self > 0 ? "Infinity" : "-Infinity" }
        return "\(self)"  // shortest round-trip form
    }
}
extension Optional: PGBindable where Wrapped: PGBindable {
    public var pgText: String? { self?.pgText ?? nil }
}

/// One PostgreSQL connection over libpq. Not thread-safe: one thread at a time.
public final class PGConnection {
    private var conn: OpaquePointer?
    /// What was used to connect (URL or empty for `PG*` variables); never logged with a password.
    public let conninfo: String

    /// Connects by URL (`postgresql://user:pass@host:port/db`) or, with an empty string,
    /// from the standard `PG*` environment variables. Throws one clear line on failure.
    public init(_ conninfo: String, connectTimeoutSeconds: Int = 5, applicationName: String = "closebell") throws {
        self.conninfo = conninfo
        let trimmed = conninfo.trimmingCharacters(in: .whitespaces)
        if !trimmed.isEmpty, !(trimmed.hasPrefix("postgres://") || trimmed.hasPrefix("postgresql://") || trimmed.contains("=")) {
            throw PGError(sqlState: nil, message: "malformed database URL '\(PGConnection.redact(trimmed))': expected postgresql://user:pass@host:port/db")
        }
        // Keywords are passed separately so the URL's own settings win where it has them.
        let keys = ["dbname", "connect_timeout", "application_name"]
        let values = [trimmed, String(connectTimeoutSeconds), applicationName]
        var kp = keys.map { strdup($0) }, vp = values.map { strdup($0) }
        kp.append(nil); vp.append(nil)
        defer { kp.forEach { free($0) }; vp.forEach { free($0) } }
        let c: OpaquePointer? = kp.withUnsafeBufferPointer { k in
            vp.withUnsafeBufferPointer { v in
                k.baseAddress!.withMemoryRebound(to: UnsafePointer<CChar>?.self, capacity: k.count) { kk in
                    v.baseAddress!.withMemoryRebound(to: UnsafePointer<CChar>?.self, capacity: v.count) { vv in
                        PQconnectdbParams(kk, vv, trimmed.isEmpty ? 0 : 1)
                    }
                }
            }
        }
        guard let c else { throw PGError(sqlState: nil, message: "out of memory connecting to PostgreSQL") }
        if PQstatus(c) != CONNECTION_OK {
            let msg = PGConnection.firstLine(String(cString: PQerrorMessage(c)))
            PQfinish(c)
            throw PGError(sqlState: "08001", message: "cannot connect to \(PGConnection.redact(trimmed.isEmpty ? "PG* environment" : trimmed)): \(msg)")
        }
        conn = c
        PQsetNoticeProcessor(c, { _, _ in }, nil)
    }

    deinit { close() }

    public func close() {
        if let c = conn { PQfinish(c) }
        conn = nil
    }

    /// True while the connection is usable.
    public var isOpen: Bool {
        guard let c = conn else { return false }
        return PQstatus(c) == CONNECTION_OK
    }

    func live() throws -> OpaquePointer {
        guard let c = conn, PQstatus(c) == CONNECTION_OK else {
            throw PGError(sqlState: "08003", message: "connection is closed")
        }
        return c
    }

    // MARK: - Queries

    /// Runs one statement with parameters `$1…$n` and returns its rows.
    @discardableResult
    public func query(_ sql: String, _ params: [any PGBindable] = []) throws -> PGRows {
        return try consume(try execParams(sql, params), context: sql)
    }

    /// Runs a query and hands its result to `body` without copying it into Swift strings:
    /// for large results (hundreds of thousands of rows) read field bytes in place.
    /// With `binary`, fields come in PostgreSQL's binary format (``PGRawResult/float8(_:_:)``, ``PGRawResult/date(_:_:)``).
    public func withRawResult<R>(_ sql: String, _ params: [any PGBindable] = [], binary: Bool = false,
                                 _ body: (PGRawResult) throws -> R) throws -> R {
        let c = try live()
        guard let res = try execParams(sql, params, binary: binary) else {
            throw PGError(sqlState: nil, message: PGConnection.firstLine(String(cString: PQerrorMessage(c))), context: PGConnection.shorten(sql))
        }
        defer { PQclear(res) }
        guard PQresultStatus(res) == PGRES_TUPLES_OK else { throw PGConnection.error(res, context: sql) }
        return try body(PGRawResult(res: res))
    }

    /// Sends one statement with text parameters `$1…$n` (never spliced into the SQL).
    private func execParams(_ sql: String, _ params: [any PGBindable], binary: Bool = false) throws -> OpaquePointer? {
        let format: Int32 = binary ? 1 : 0
        let c = try live()
        let cstrs: [UnsafeMutablePointer<CChar>?] = params.map { $0.pgText.map { strdup($0)! } }
        defer { cstrs.forEach { free($0) } }
        return cstrs.withUnsafeBufferPointer { buf in
            buf.baseAddress.map { base in
                base.withMemoryRebound(to: UnsafePointer<CChar>?.self, capacity: buf.count) {
                    PQexecParams(c, sql, Int32(buf.count), nil, $0, nil, nil, format)
                }
            } ?? PQexecParams(c, sql, 0, nil, nil, nil, nil, format)
        }
    }

    /// Runs one or more statements without parameters (schema scripts).
    public func execute(_ sql: String) throws {
        let c = try live()
        _ = try consume(PQexec(c, sql), context: String(sql.prefix(80)))
    }

    private func consume(_ res: OpaquePointer?, context: String) throws -> PGRows {
        guard let res else {
            throw PGError(sqlState: nil, message: PGConnection.firstLine(String(cString: PQerrorMessage(conn))), context: PGConnection.shorten(context))
        }
        defer { PQclear(res) }
        switch PQresultStatus(res) {
        case PGRES_COMMAND_OK, PGRES_TUPLES_OK, PGRES_EMPTY_QUERY:
            return PGRows(res)
        default:
            throw PGConnection.error(res, context: context)
        }
    }

    static func error(_ res: OpaquePointer, context: String?) -> PGError {
        let state = PQresultErrorField(res, Int32(UInt8(ascii: "C"))).map { String(cString: $0) }
        let primary = PQresultErrorField(res, Int32(UInt8(ascii: "M"))).map { String(cString: $0) }
            ?? firstLine(String(cString: PQresultErrorMessage(res)))
        let detail = PQresultErrorField(res, Int32(UInt8(ascii: "D"))).map { " — " + String(cString: $0) } ?? ""
        return PGError(sqlState: state, message: primary + detail, context: context.map(shorten))
    }

    // MARK: - Transactions

    /// Runs `body` in a transaction: committed when it returns, rolled back when it throws.
    public func transaction<R>(_ body: () throws -> R) throws -> R {
        try execute("BEGIN")
        do {
            let r = try body()
            try execute("COMMIT")
            return r
        } catch {
            if isOpen { try? execute("ROLLBACK") }
            throw error
        }
    }

    // MARK: - Advisory locks

    /// Tries to take a session-level advisory lock; false if another session holds it.
    public func tryAdvisoryLock(_ key: Int64) throws -> Bool {
        try query("SELECT pg_try_advisory_lock($1)", [key]).scalar == "t"
    }

    /// Releases a session-level advisory lock taken by this session.
    public func advisoryUnlock(_ key: Int64) throws {
        try query("SELECT pg_advisory_unlock($1)", [key])
    }

    // MARK: - Helpers

    static func firstLine(_ s: String) -> String {
        s.split(whereSeparator: \.isNewline).first.map { $0.trimmingCharacters(in: .whitespaces) } ?? s
    }

    static func shorten(_ s: String) -> String {
        let one = s.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }.joined(separator: " ")
        return one.count > 120 ? String(one.prefix(117)) + "..." : one
    }

    /// A connection string with its password replaced by `***`, whatever its form.
    public static func redact(_ url: String) -> String { Redaction.redact(url) }
}

/// A query result read in place (valid only inside ``PGConnection/withRawResult(_:_:_:)``).
public struct PGRawResult {
    let res: OpaquePointer
    public var rowCount: Int { Int(PQntuples(res)) }
    public var columnCount: Int { Int(PQnfields(res)) }
    public func isNull(_ row: Int, _ col: Int) -> Bool { PQgetisnull(res, Int32(row), Int32(col)) == 1 }
    /// The field's text bytes.
    public func bytes(_ row: Int, _ col: Int) -> UnsafeBufferPointer<UInt8> {
        let p = PQgetvalue(res, Int32(row), Int32(col))!
        let n = Int(PQgetlength(res, Int32(row), Int32(col)))
        return UnsafeBufferPointer(start: UnsafeRawPointer(p).assumingMemoryBound(to: UInt8.self), count: n)
    }
    public func string(_ row: Int, _ col: Int) -> String { String(decoding: bytes(row, col), as: UTF8.self) }
    /// A binary-format `float8` field (8 bytes, big-endian), or nil when it is not 8 bytes long.
    public func float8(_ row: Int, _ col: Int) -> Double? {
        guard PQgetlength(res, Int32(row), Int32(col)) == 8 else { return nil }
        let p = UnsafeRawPointer(PQgetvalue(res, Int32(row), Int32(col))!)
        return Double(bitPattern: UInt64(bigEndian: p.loadUnaligned(as: UInt64.self)))
    }
    /// A binary-format `date` field (4 bytes, big-endian) as days since 1970-01-01, or nil.
    public func date(_ row: Int, _ col: Int) -> Int32? {
        guard PQgetlength(res, Int32(row), Int32(col)) == 4 else { return nil }
        let p = UnsafeRawPointer(PQgetvalue(res, Int32(row), Int32(col))!)
        return Int32(bigEndian: p.loadUnaligned(as: Int32.self)) &+ PGDate.epoch
    }
}
