import ClosebellDashboard
import ClosebellProtocol
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting

/// Drives the dashboard's router the way a browser does: keeps the session cookie it is given
/// and sends back the CSRF token of the last page it read.
public struct DashboardBrowser {
    public let client: any TestClientProtocol
    public var cookie: String?
    public var csrf: String?

    public init(_ client: any TestClientProtocol) { self.client = client }

    /// A request; `csrf: false` leaves the token out (to check it is required).
    @discardableResult
    public mutating func request(_ uri: String, _ method: HTTPRequest.Method = .get, json: String? = nil,
                                 form: String? = nil, csrf sendCSRF: Bool = true,
                                 headers extra: HTTPFields = [:]) async throws -> TestResponse {
        var h = extra
        if let cookie { h[.cookie] = cookie }
        var body: ByteBuffer?
        if let json {
            h[.contentType] = "application/json"
            body = ByteBuffer(string: json)
        }
        if let form {
            h[.contentType] = "application/x-www-form-urlencoded"
            body = ByteBuffer(string: form)
        }
        if sendCSRF, method != .get, let csrf { h[HTTPField.Name("X-CSRF-Token")!] = csrf }
        let r = try await client.executeRequest(uri: uri, method: method, headers: h, body: body)
        if let set = r.headers[.setCookie], let pair = set.split(separator: ";").first { cookie = String(pair) }
        let text = String(buffer: r.body)
        if let range = text.range(of: "<meta name=\"csrf-token\" content=\"") {
            let rest = text[range.upperBound...]
            if let end = rest.firstIndex(of: "\""), rest.startIndex != end { csrf = String(rest[..<end]) }
        }
        return r
    }
}

extension TestResponse {
    /// The body as text.
    public var text: String { String(buffer: body) }

    /// The body as a JSON object (empty when it is not one).
    public var json: [String: Any] {
        (try? JSONSerialization.jsonObject(with: Data(buffer: body))) as? [String: Any] ?? [:]
    }

    /// The API error's code.
    public var errorCode: String? { (json["error"] as? [String: Any])?["code"] as? String }
}

/// A dashboard service for tests: the servers, topology and log folder given, runs started with
/// the debug `coordinator` binary under `environment`.
public func testDashboardService(databaseURL: String, amqpURL: String = "amqp://guest:guest@127.0.0.1:1/%2F",
                                 managementURL: String? = nil,
                                 topology: ClosebellTopology = ClosebellTopology(prefix: "none"),
                                 credentials: DashboardCredentials = DashboardCredentials(),
                                 coordinator: String = "/nonexistent",
                                 environment: [String: String] = [:], logDirectory: String = NSTemporaryDirectory(),
                                 host: String = "127.0.0.1") throws -> DashboardService {
    var launcher = CoordinatorLauncher(executable: coordinator, logDirectory: logDirectory)
    launcher.environment = environment
    var o = DashboardOptions(databaseURL: databaseURL, amqpURL: try AMQPURL(amqpURL), topology: topology,
                             credentials: credentials, launcher: launcher, logDirectory: logDirectory,
                             defaultModels: "/models")
    o.managementURL = managementURL
    o.host = host
    return DashboardService(options: o, db: DashboardDatabase(url: databaseURL, connections: 2))
}
