import CLibPQ

extension PGConnection {
    /// Streams the output of `COPY (…) TO STDOUT`: `onData` gets each block libpq hands over (for
    /// `FORMAT binary`, feed them to a ``PGBinaryCopyReader``). Memory stays bounded whatever the
    /// size of the result; an error thrown by `onData` stops the COPY and is rethrown.
    public func copyOut(_ copySQL: String, _ onData: (UnsafeRawBufferPointer) throws -> Void) throws {
        let c = try live()
        guard let res = PQexec(c, copySQL) else {
            throw PGError(sqlState: nil, message: "COPY failed to start", context: copySQL)
        }
        guard PQresultStatus(res) == PGRES_COPY_OUT else {
            let e = PGConnection.error(res, context: copySQL)
            PQclear(res)
            throw e
        }
        PQclear(res)
        var failure: Error?
        while true {
            var buf: UnsafeMutablePointer<CChar>?
            let n = PQgetCopyData(c, &buf, 0)
            if n > 0, let buf {
                defer { PQfreemem(buf) }
                if failure == nil {
                    do { try onData(UnsafeRawBufferPointer(start: buf, count: Int(n))) } catch {
                        failure = error
                        // Stop the server: cancel the query, then drain what is already on its way.
                        if let cancel = PQgetCancel(c) {
                            var err = [CChar](repeating: 0, count: 256)
                            _ = PQcancel(cancel, &err, 256)
                            PQfreeCancel(cancel)
                        }
                    }
                }
                continue
            }
            if n == -1 { break }  // done; the result follows
            throw PGError(sqlState: nil, message: PGConnection.firstLine(String(cString: PQerrorMessage(c))), context: copySQL)
        }
        var err: PGError?
        while let r = PQgetResult(c) {
            if PQresultStatus(r) != PGRES_COMMAND_OK { err = err ?? PGConnection.error(r, context: copySQL) }
            PQclear(r)
        }
        if let failure { throw failure }
        if let err { throw err }
    }

    /// `text` as an SQL string literal, quoted and escaped by libpq for this connection (for the
    /// statements that take no parameters, such as COPY).
    public func literal(_ text: String) throws -> String {
        let c = try live()
        guard let p = PQescapeLiteral(c, text, text.utf8.count) else {
            throw PGError(sqlState: nil, message: PGConnection.firstLine(String(cString: PQerrorMessage(c))), context: "escape")
        }
        defer { PQfreemem(p) }
        return String(cString: p)
    }
}
