import ClosebellCoordinator
import Foundation
import Hummingbird

/// The JSON API under `/api/v1` (described by ``OpenAPIDocument``). The pages use it for every
/// live update and action.
struct DashboardAPI {
    let service: DashboardService

    func register(on router: Router<DashboardContext>) {
        let api = router.group("api/v1")
        api.get("openapi.json") { _, _ in
            APIResponse.text(OpenAPIDocument.json, type: "application/json; charset=utf-8")
        }
        api.get("runs") { request, _ in
            let (filter, page) = try APIQuery.history(request.uri.queryParameters)
            return try APIResponse.json(try await service.runs(filter, page: page))
        }
        api.get("runs/active") { _, _ in try APIResponse.json(try await service.activeRuns()) }
        api.post("runs") { request, context in
            try context.requireOperator()
            var request = request
            let body = try await request.collectBody(upTo: 2 * 1024 * 1024)
            let launch = try LaunchRequest(json: Data(buffer: body))
            return try APIResponse.json(try await service.launch(launch), status: .created)
        }
        api.get("runs/:id") { _, context in
            try APIResponse.json(try await service.detail(try APIQuery.runId(context)))
        }
        api.get("runs/:id/log") { _, context in
            APIResponse.text(try await service.log(try APIQuery.runId(context)))
        }
        api.post("runs/:id/cancel") { _, context in
            try context.requireOperator()
            return try APIResponse.json(try await service.cancel(try APIQuery.runId(context)))
        }
        api.post("runs/:id/retry") { _, context in
            try context.requireOperator()
            return try APIResponse.json(try await service.retry(try APIQuery.runId(context)), status: .created)
        }
        api.get("queues") { _, _ in try APIResponse.json(try await service.queues()) }
        api.get("accuracy") { request, _ in
            var days: Int?
            if let raw = request.uri.queryParameters.get("days"), !raw.isEmpty {
                guard let d = Int(raw), (1...10_000).contains(d) else {
                    throw DashboardError.badField("days", "days '\(LaunchRequest.shown(raw))' is not 1…10000")
                }
                days = d
            }
            return try APIResponse.json(try await service.accuracy(days: days))
        }
        api.get("export") { request, _ in
            let (export, format) = try APIQuery.export(request.uri.queryParameters)
            let path = try await service.export(export, format: format)
            let name = "predictions-\(export.from)-\(export.to).\(format.rawValue)"
            let type = format == .csv ? "text/csv; charset=utf-8" : "application/vnd.apache.parquet"
            return APIResponse.download(path: path, filename: name, type: type)
        }
    }
}
