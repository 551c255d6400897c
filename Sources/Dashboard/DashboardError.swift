import Foundation
import Hummingbird

/// A request the dashboard refuses or cannot serve: an HTTP status, a stable code, a message
/// for people, and the field at fault. The API answers it as JSON
/// (`{"error": {"code", "message", "field"}}`), the pages as a message on the page.
public struct DashboardError: Error, CustomStringConvertible, Sendable {
    public let status: HTTPResponse.Status
    public let code: String
    public let message: String
    public let field: String?

    public init(_ status: HTTPResponse.Status, _ code: String, _ message: String, field: String? = nil) {
        self.status = status
        self.code = code
        self.message = message
        self.field = field
    }

    public var description: String { message }

    /// A malformed or out-of-range field.
    public static func badField(_ field: String, _ message: String) -> DashboardError {
        DashboardError(.badRequest, "invalid_\(field)", message, field: field)
    }

    /// No such run.
    public static func noRun(_ id: Int64) -> DashboardError { DashboardError(.notFound, "not_found", "no run \(id)") }

    /// The error as the API's JSON body.
    public var json: ByteBuffer {
        struct Body: Encodable {
            struct Inner: Encodable { let code: String; let message: String; let field: String? }
            let error: Inner
        }
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys]
        let data = (try? e.encode(Body(error: .init(code: code, message: message, field: field)))) ?? Data("{}".utf8)
        return ByteBuffer(bytes: data)
    }

    /// The API's response for it.
    public var response: Response {
        var h = HTTPFields()
        h[.contentType] = "application/json; charset=utf-8"
        return Response(status: status, headers: h, body: .init(byteBuffer: json))
    }
}
