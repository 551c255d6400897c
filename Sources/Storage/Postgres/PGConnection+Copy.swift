import CLibPQ

extension PGConnection {
    /// Bulk-loads rows with `COPY … FROM STDIN` (text format). `fill` appends encoded rows to
    /// the writer; data is streamed in blocks, so memory stays bounded. Returns rows copied.
    @discardableResult
    public func copyIn(_ copySQL: String, _ fill: (inout PGCopyWriter) throws -> Void) throws -> Int {
        try copy(copySQL) { c in
            var writer = PGCopyWriter(conn: c)
            try fill(&writer)
            try writer.flush()
        }
    }

    /// Bulk-loads rows with `COPY … FROM STDIN (FORMAT binary)`: values travel as PostgreSQL's
    /// binary representations, so nothing is formatted or parsed on either side. `copySQL`
    /// must say `(FORMAT binary)` and list the columns in the order `fill` writes them.
    @discardableResult
    public func copyInBinary(_ copySQL: String, columns: Int,
                             _ fill: (inout PGBinaryCopyWriter) throws -> Void) throws -> Int {
        try copy(copySQL) { c in
            var writer = PGBinaryCopyWriter(conn: c, columns: columns)
            try fill(&writer)
            try writer.finish()
        }
    }

    /// Starts a COPY, lets `send` stream the data, ends it and returns the rows copied; a
    /// failure while sending aborts the COPY (the server discards every row of it).
    private func copy(_ copySQL: String, _ send: (OpaquePointer) throws -> Void) throws -> Int {
        let c = try live()
        let res = PQexec(c, copySQL)
        guard let res else { throw PGError(sqlState: nil, message: "COPY failed to start", context: copySQL) }
        if PQresultStatus(res) != PGRES_COPY_IN {
            let e = PGConnection.error(res, context: copySQL)
            PQclear(res)
            throw e
        }
        PQclear(res)
        do { try send(c) } catch {
            _ = PQputCopyEnd(c, "aborted by client")
            while let r = PQgetResult(c) { PQclear(r) }
            throw error
        }
        if PQputCopyEnd(c, nil) != 1 {
            throw PGError(sqlState: nil, message: PGConnection.firstLine(String(cString: PQerrorMessage(c))), context: copySQL)
        }
        var copied = 0
        var err: PGError?
        while let r = PQgetResult(c) {
            if PQresultStatus(r) != PGRES_COMMAND_OK { err = err ?? PGConnection.error(r, context: copySQL) } else {
                copied = Int(String(cString: PQcmdTuples(r))) ?? 0
            }
            PQclear(r)
        }
        if let err { throw err }
        return copied
    }

    /// Sends a block of COPY data and empties the buffer.
    static func putCopyData(_ conn: OpaquePointer, _ buffer: inout [UInt8]) throws {
        try buffer.withUnsafeBytes { try putCopyData(conn, $0) }
        buffer.removeAll(keepingCapacity: true)
    }

    /// Sends a block of COPY data.
    static func putCopyData(_ conn: OpaquePointer, _ block: UnsafeRawBufferPointer) throws {
        guard let base = block.baseAddress, !block.isEmpty else { return }
        if PQputCopyData(conn, base.assumingMemoryBound(to: CChar.self), Int32(block.count)) != 1 {
            throw PGError(sqlState: nil, message: PGConnection.firstLine(String(cString: PQerrorMessage(conn))),
                          context: "COPY data")
        }
    }
}
