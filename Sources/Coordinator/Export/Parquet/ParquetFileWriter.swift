import ClosebellStorage

/// A Parquet file (format 2, per the Apache Parquet specification) written as rows stream in:
/// row groups of ``rowsPerGroup`` rows, one uncompressed data page (v1) per column chunk — text
/// dictionary-encoded (a dictionary page, then indices) while its dictionary stays under 64 Ki
/// entries and 2 MiB, else PLAIN like every other type — and the footer's metadata in Thrift's
/// compact protocol. Memory holds one row group.
///
/// Types: text as BYTE_ARRAY (STRING), date as INT32 (DATE), double as DOUBLE, boolean as BOOLEAN,
/// integer as INT32, bigint as INT64, timestamptz as INT64 (TIMESTAMP, microseconds, UTC). A
/// nullable column is OPTIONAL with definition levels; the others are REQUIRED.
public struct ParquetFileWriter: ExportWriter {
    /// One column chunk's place in the file, for the footer.
    struct ChunkInfo {
        var offset: Int, size: Int, values: Int
        /// Where its dictionary page starts (nil: PLAIN values, no dictionary).
        var dictionaryOffset: Int?
        var dataOffset: Int
    }

    public static let defaultRowsPerGroup = 262_144
    let columns: [ExportColumn]
    let out: ExportOutput
    let rowsPerGroup: Int
    var buffers: [ParquetColumnBuffer]
    var rowsInGroup = 0
    var groups: [(rows: Int, chunks: [ChunkInfo])] = []
    var totalRows = 0

    public init(columns: [ExportColumn], out: ExportOutput, rowsPerGroup: Int = ParquetFileWriter.defaultRowsPerGroup) throws {
        self.columns = columns
        self.out = out
        self.rowsPerGroup = max(1, rowsPerGroup)
        buffers = columns.map(ParquetColumnBuffer.init(column:))
        try out.write(Array("PAR1".utf8))
    }

    public mutating func write(_ row: PGBinaryRow) throws {
        for i in buffers.indices { buffers[i].append(row, i) }
        rowsInGroup += 1
        totalRows += 1
        if rowsInGroup >= rowsPerGroup { try endGroup() }
    }

    mutating func endGroup() throws {
        guard rowsInGroup > 0 else { return }
        var chunks: [ChunkInfo] = []
        for i in buffers.indices {
            let values = buffers[i].count
            let (dictionary, page) = buffers[i].takePages()
            let start = out.offset
            var dictionaryOffset: Int?
            if let dictionary {
                dictionaryOffset = out.offset
                var h = ThriftCompactWriter()
                h.structBody { w in
                    w.i32(1, 2)  // DICTIONARY_PAGE
                    w.i32(2, Int32(dictionary.body.count))
                    w.i32(3, Int32(dictionary.body.count))
                    w.structure(7) { d in
                        d.i32(1, Int32(dictionary.count))
                        d.i32(2, 2)  // PLAIN_DICTIONARY (PLAIN values), as format-1 writers say
                    }
                }
                try out.write(h.bytes)
                try out.write(dictionary.body)
            }
            let dataOffset = out.offset
            var h = ThriftCompactWriter()
            h.structBody { w in
                w.i32(1, 0)  // DATA_PAGE
                w.i32(2, Int32(page.count))
                w.i32(3, Int32(page.count))
                w.structure(5) { d in
                    d.i32(1, Int32(values))
                    d.i32(2, dictionary == nil ? 0 : 2)  // PLAIN, or PLAIN_DICTIONARY (indices, hybrid-encoded)
                    d.i32(3, 3)  // definition levels: RLE
                    d.i32(4, 3)  // repetition levels: RLE (none are written: the schema is flat)
                }
            }
            try out.write(h.bytes)
            try out.write(page)
            chunks.append(ChunkInfo(offset: start, size: out.offset - start, values: values, dictionaryOffset: dictionaryOffset,
                                    dataOffset: dataOffset))
        }
        groups.append((rowsInGroup, chunks))
        rowsInGroup = 0
    }

    public mutating func finish() throws {
        try endGroup()
        var m = ThriftCompactWriter()
        let columns = self.columns, groups = self.groups, totalRows = self.totalRows
        m.structBody { w in
            w.i32(1, 1)
            w.structList(2, [nil] + columns.map { Optional($0) }) { s, c in
                guard let c else { s.string(4, "schema"); s.i32(5, Int32(columns.count)); return }
                Self.schemaElement(&s, c)
            }
            w.i64(3, Int64(totalRows))
            w.structList(4, groups) { g, group in
                g.structList(1, Array(zip(columns, group.chunks))) { cc, item in
                    let (c, chunk) = item
                    cc.i64(2, Int64(chunk.offset + chunk.size))
                    cc.structure(3) { md in
                        md.i32(1, Self.physicalType(c.kind))
                        md.i32List(2, chunk.dictionaryOffset == nil ? [0, 3] : [2, 0, 3])  // (PLAIN_DICTIONARY,) PLAIN, RLE
                        md.stringList(3, [c.name])
                        md.i32(4, 0)  // UNCOMPRESSED
                        md.i64(5, Int64(chunk.values))
                        md.i64(6, Int64(chunk.size))
                        md.i64(7, Int64(chunk.size))
                        md.i64(9, Int64(chunk.dataOffset))
                        if let d = chunk.dictionaryOffset { md.i64(11, Int64(d)) }
                    }
                }
                g.i64(2, Int64(group.chunks.reduce(0) { $0 + $1.size }))
                g.i64(3, Int64(group.rows))
            }
            w.string(6, "closebell")
        }
        try out.write(m.bytes)
        try out.write(withUnsafeBytes(of: UInt32(m.bytes.count).littleEndian) { Array($0) })
        try out.write(Array("PAR1".utf8))
        try out.flush()
    }

    /// Parquet's physical type ids: BOOLEAN 0, INT32 1, INT64 2, DOUBLE 5, BYTE_ARRAY 6.
    static func physicalType(_ k: ExportColumn.Kind) -> Int32 {
        switch k {
        case .bool: return 0
        case .date, .int32: return 1
        case .int64, .timestamp: return 2
        case .double: return 5
        case .text: return 6
        }
    }

    static func schemaElement(_ s: inout ThriftCompactWriter, _ c: ExportColumn) {
        s.i32(1, physicalType(c.kind))
        s.i32(3, c.nullable ? 1 : 0)  // OPTIONAL : REQUIRED
        s.string(4, c.name)
        switch c.kind {
        case .text:
            s.i32(6, 0)  // converted type UTF8
            s.structure(10) { $0.structure(1) { _ in } }  // logical type STRING
        case .date:
            s.i32(6, 6)  // DATE
            s.structure(10) { $0.structure(6) { _ in } }
        case .timestamp:
            s.i32(6, 10)  // TIMESTAMP_MICROS
            s.structure(10) { l in
                l.structure(8) { t in
                    t.bool(1, true)  // isAdjustedToUTC
                    t.structure(2) { $0.structure(2) { _ in } }  // unit: MICROS
                }
            }
        case .double, .bool, .int32, .int64:
            break
        }
    }
}
