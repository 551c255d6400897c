import ClosebellCoordinator
import ClosebellCore
import ClosebellStorage
import Foundation
import Hummingbird

/// Query parameters shared by the API and the pages, each checked where it enters.
enum APIQuery {
    /// A run id from the path.
    static func runId(_ context: DashboardContext) throws -> Int64 {
        let raw = context.parameters.get("id") ?? ""
        guard let id = Int64(raw), id > 0 else {
            throw DashboardError.badField("id", "'\(LaunchRequest.shown(raw))' is not a run id")
        }
        return id
    }

    /// An optional date parameter.
    static func day(_ q: Parameters, _ key: String) throws -> Day? {
        guard let raw = q.get(key), !raw.isEmpty else { return nil }
        guard let d = Day(iso: raw) else {
            throw DashboardError.badField(key, "\(key) '\(LaunchRequest.shown(raw))' is not a date YYYY-MM-DD")
        }
        return d
    }

    /// `status`, `from`, `to` and `page` of the history.
    static func history(_ q: Parameters) throws -> (RunFilter, page: Int) {
        var f = RunFilter()
        if let raw = q.get("status"), !raw.isEmpty {
            guard let s = RunStatus(rawValue: raw) else {
                throw DashboardError.badField("status", "status '\(LaunchRequest.shown(raw))' is not one of "
                                              + RunStatus.allCases.map(\.rawValue).joined(separator: ", "))
            }
            f.status = s
        }
        f.from = try day(q, "from")
        f.to = try day(q, "to")
        if let a = f.from, let b = f.to, a > b { throw DashboardError.badField("from", "from \(a) is after to \(b)") }
        var page = 1
        if let raw = q.get("page"), !raw.isEmpty {
            guard let p = Int(raw), (1...1_000_000).contains(p) else {
                throw DashboardError.badField("page", "page '\(LaunchRequest.shown(raw))' is not a page number")
            }
            page = p
        }
        return (f, page)
    }

    /// `from`, `to` (required), `format`, `symbols` and `market` of an export.
    static func export(_ q: Parameters) throws -> (PredictionExport, ExportFormat) {
        guard let from = try day(q, "from") else {
            throw DashboardError.badField("from", "from (YYYY-MM-DD) is required")
        }
        guard let to = try day(q, "to") else { throw DashboardError.badField("to", "to (YYYY-MM-DD) is required") }
        guard from <= to else { throw DashboardError.badField("from", "from \(from) is after to \(to)") }
        guard Int(to.daysSinceEpoch - from.daysSinceEpoch) < LaunchRequest.maxRangeDays else {
            throw DashboardError.badField("to", "the range is longer than 25 years")
        }
        let rawFormat = q.get("format") ?? "csv"
        guard let format = ExportFormat(rawValue: rawFormat) else {
            throw DashboardError.badField("format", "format '\(LaunchRequest.shown(rawFormat))' is not csv or parquet")
        }
        var symbols: [String]?
        if let raw = q.get("symbols"), !raw.trimmingCharacters(in: .whitespaces).isEmpty {
            let list = LaunchRequest.splitSymbols(raw)
            if let bad = list.first(where: { !LaunchRequest.isSymbol($0) }) {
                throw DashboardError.badField("symbols", "'\(LaunchRequest.shown(bad))' is not a symbol")
            }
            symbols = list
        }
        var market: String?
        if let raw = q.get("market"), !raw.isEmpty {
            var probe = LaunchRequest(date: from)
            probe.market = raw
            try probe.validate()
            market = raw
        }
        return (PredictionExport(from: from, to: to, symbols: symbols, market: market), format)
    }
}

/// JSON responses with the API's conventions: snake_case keys, sorted, UTF-8.
enum APIResponse {
    static let encoder: JSONEncoder = {
        let e = JSONEncoder()
        e.keyEncodingStrategy = .convertToSnakeCase
        e.outputFormatting = [.sortedKeys]
        e.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "Infinity",
                                                                 negativeInfinity: "-Infinity", nan: "NaN")
        return e
    }()

    static func json(_ value: some Encodable, status: HTTPResponse.Status = .ok) throws -> Response {
        var h = HTTPFields()
        h[.contentType] = "application/json; charset=utf-8"
        h[.cacheControl] = "no-store"
        return Response(status: status, headers: h,
                        body: .init(byteBuffer: ByteBuffer(bytes: try encoder.encode(value))))
    }

    static func text(_ value: String, type: String = "text/plain; charset=utf-8") -> Response {
        var h = HTTPFields()
        h[.contentType] = type
        h[.cacheControl] = "no-store"
        return Response(status: .ok, headers: h, body: .init(byteBuffer: ByteBuffer(string: value)))
    }

    /// Streams a file and removes it afterwards, as an attachment named `filename`.
    static func download(path: String, filename: String, type: String) -> Response {
        var h = HTTPFields()
        h[.contentType] = type
        h[.contentDisposition] = "attachment; filename=\"\(filename)\""
        h[.cacheControl] = "no-store"
        let size = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? nil
        return Response(status: .ok, headers: h, body: ResponseBody(contentLength: size) { writer in
            defer { try? FileManager.default.removeItem(atPath: path) }
            guard let handle = FileHandle(forReadingAtPath: path) else { try await writer.finish(nil); return }
            defer { try? handle.close() }
            while let chunk = try handle.read(upToCount: 256 * 1024), !chunk.isEmpty {
                try await writer.write(ByteBuffer(bytes: chunk))
            }
            try await writer.finish(nil)
        })
    }
}
