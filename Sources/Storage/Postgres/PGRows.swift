import CLibPQ

/// The rows of a query result, copied out of libpq as text.
public struct PGRows: Sendable {
    public let columns: [String]
    public let rows: [[String?]]
    /// Rows changed by INSERT/UPDATE/DELETE (from the command tag), 0 otherwise.
    public let affected: Int

    init(_ res: OpaquePointer) {
        let n = Int(PQntuples(res)), m = Int(PQnfields(res))
        columns = (0..<m).map { String(cString: PQfname(res, Int32($0))) }
        var out: [[String?]] = []
        out.reserveCapacity(n)
        for r in 0..<n {
            var row: [String?] = []
            row.reserveCapacity(m)
            for c in 0..<m {
                if PQgetisnull(res, Int32(r), Int32(c)) == 1 { row.append(nil) } else {
                    row.append(String(cString: PQgetvalue(res, Int32(r), Int32(c))))
                }
            }
            out.append(row)
        }
        rows = out
        affected = Int(String(cString: PQcmdTuples(res))) ?? 0
    }

    public var count: Int { rows.count }
    public var isEmpty: Bool { rows.isEmpty }

    /// The value at row `r`, column `name` (nil for SQL NULL or a missing column).
    public func value(_ r: Int, _ name: String) -> String? {
        guard let c = columns.firstIndex(of: name) else { return nil }
        return rows[r][c]
    }

    /// The first column of the first row.
    public var scalar: String? { rows.first?.first ?? nil }
}
