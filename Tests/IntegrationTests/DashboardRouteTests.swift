import ClosebellCore
import ClosebellDashboard
import ClosebellStorage
import Foundation
import Hummingbird
import HummingbirdTesting
import Testing
import TestSupport

/// Every dashboard endpoint against real servers: launch through `POST /api/v1/runs` with two
/// real workers, watch it complete, read it back from every page and endpoint, cancel a second
/// run, retry it after the dashboard stopped, and export what was predicted.
@Suite("Dashboard routes", .serialized, .enabled(if: TestServers.shouldRun, TestServers.skipReason))
struct DashboardRouteTests {
    static func service(_ c: Cluster) throws -> DashboardService {
        var env = c.env
        env["CLOSEBELL_AMQP_URL"] = TestServers.amqpURLString
        return try testDashboardService(databaseURL: c.databaseURL, amqpURL: TestServers.amqpURLString,
                                        managementURL: ProcessInfo.processInfo.environment["CLOSEBELL_MANAGEMENT_URL"],
                                        topology: c.topology, coordinator: Cluster.bin + "/coordinator",
                                        environment: env, logDirectory: c.dir + "/logs")
    }

    /// Polls a run through the API until it has finished.
    static func waitFinished(_ b: inout DashboardBrowser, _ id: Int,
                             seconds: Double = 90) async throws -> [String: Any] {
        let end = Date() + seconds
        while Date() < end {
            let run = (try await b.request("/api/v1/runs/\(id)").json["run"] as? [String: Any]) ?? [:]
            if let s = run["status"] as? String, !["queued", "running"].contains(s) { return run }
            try await Task.sleep(for: .milliseconds(200))
        }
        return [:]
    }

    @Test("launch, watch, history, detail, log, queues, export, cancel and retry through the API and the pages")
    func lifecycle() async throws {
        let c = try Cluster(symbols: 60, days: 40)
        try c.startWorkers(2)
        let service = try Self.service(c)
        let day = c.day.description
        let cancelled = try await Application(
            router: DashboardServer.router(service: service, logger: .init(label: "test"))
        ).test(.router) { client in
            var b = DashboardBrowser(client)
            _ = try await b.request("/launch")
            let launched = try await b.request("/api/v1/runs", .post, json: #"{"date": "\#(day)", "chunk_size": 10}"#)
            #expect(launched.status == .created, "\(launched.text)")
            let id = launched.json["id"] as? Int ?? 0
            // Planned when the API answers; 60 symbols may even be done by then.
            #expect(id > 0 && ["running", "completed"].contains(launched.json["status"] as? String))
            let run = try await Self.waitFinished(&b, id)
            #expect(run["status"] as? String == "completed" && run["progress"] as? Double == 100)
            let succeeded = run["succeeded"] as? Int ?? -1
            #expect(succeeded + (run["skipped"] as? Int ?? 0) == run["total"] as? Int)

            let detail = try await b.request("/api/v1/runs/\(id)").json
            let chunks = detail["chunks"] as? [[String: Any]] ?? []
            #expect(chunks.count == 6
                    && chunks.allSatisfy { $0["status"] as? String == "done" && $0["worker"] is String })
            #expect(detail["has_log"] as? Bool == true)
            #expect(try await b.request("/api/v1/runs/\(id)/log").text.contains("completed"))
            let history = try await b.request("/api/v1/runs?status=completed&from=\(day)").json
            #expect(history["total"] as? Int == 1 && (history["runs"] as? [[String: Any]])?.first?["id"] as? Int == id)
            #expect(try await b.request("/api/v1/runs?status=failed").json["total"] as? Int == 0)
            #expect(try await b.request("/api/v1/runs/99999").status == .notFound)
            #expect(try await b.request("/api/v1/runs/\(id)/cancel", .post).status == .conflict)

            let queues = try await b.request("/api/v1/queues").json
            let rows = queues["queues"] as? [[String: Any]] ?? []
            #expect(rows.count == 4 && rows.filter { $0["dead_letter"] as? Bool == true }.count == 1)
            #expect((queues["workers"] as? [[String: Any]])?.isEmpty == false)

            let accuracy = try await b.request("/api/v1/accuracy?days=30")
            #expect(accuracy.status == .ok && accuracy.json["models"] is [Any] && accuracy.json["alerts"] is [Any])
            #expect(try await b.request("/api/v1/accuracy?days=0").errorCode == "invalid_days")
            let csv = try await b.request("/api/v1/export?from=\(day)&to=\(day)&format=csv")
            #expect(csv.headers[.contentDisposition]?.contains("predictions-\(day)-\(day).csv") == true)
            #expect(csv.text.split(separator: "\r\n").count == succeeded + 1)
            let parquet = try await b.request("/api/v1/export?from=\(day)&to=\(day)&format=parquet")
            #expect(parquet.body.readableBytes > 100 && parquet.body.getString(at: 0, length: 4) == "PAR1")

            for (path, text) in [("/", "Active runs"), ("/launch", "Model store"), ("/runs", "/runs/\(id)"),
                                 ("/runs/\(id)", "Chunks"), ("/queues", "\(c.topology.prefix).dead"),
                                 ("/accuracy", "Degradation"), ("/export", "Download")] {
                let page = try await b.request(path)
                #expect(page.status == .ok && page.text.contains(text), "\(path)")
                #expect(!page.text.contains(c.databaseURL) && !page.text.contains(TestServers.amqpURLString),
                        "\(path) shows a secret")
            }
            #expect(try await b.request("/runs/99999").status == .notFound)

            // A second run with no worker stays running; launching its date again is refused (the
            // coordinator's lock); cancelling it ends it.
            c.stopWorkers()
            let second = try await b.request("/api/v1/runs", .post, json: #"{"date": "\#(day)", "chunk_size": 10}"#)
            #expect(second.status == .created)
            let cancelled = second.json["id"] as? Int ?? 0
            let again = try await b.request("/api/v1/runs", .post, json: #"{"date": "\#(day)"}"#)
            #expect(again.status == .conflict && again.errorCode == "locked", "\(again.text)")
            let active = try await b.request("/api/v1/runs/active").json
            #expect((active["runs"] as? [[String: Any]])?.map { $0["id"] as? Int } == [cancelled])
            #expect((active["recent"] as? [[String: Any]])?.map { $0["id"] as? Int } == [id])
            let cancel = try await b.request("/api/v1/runs/\(cancelled)/cancel", .post)
            #expect(cancel.status == .ok && cancel.json["status"] as? String == "cancelled", "\(cancel.text)")
            return cancelled
        }

        // The dashboard is gone; a new one retries the cancelled run, stops, and the retry goes on.
        let retryId = try await Application(
            router: DashboardServer.router(service: service, logger: .init(label: "test"))
        ).test(.router) { client in
            var b = DashboardBrowser(client)
            _ = try await b.request("/runs/\(cancelled)")
            let retry = try await b.request("/api/v1/runs/\(cancelled)/retry", .post)
            #expect(retry.status == .created && retry.json["parent_run_id"] as? Int == cancelled, "\(retry.text)")
            return retry.json["id"] as? Int ?? 0
        }
        try c.startWorkers(2)
        try await Application(
            router: DashboardServer.router(service: service, logger: .init(label: "test"))
        ).test(.router) { client in
            var b = DashboardBrowser(client)
            let run = try await Self.waitFinished(&b, retryId)
            #expect(run["status"] as? String == "completed", "\(run)")
            #expect(try await b.request("/runs/\(cancelled)").text.contains("/runs/\(retryId)"))

            // What Prometheus scrapes, read by prometheus_client's own parser.
            let scrape = try await b.request("/metrics")
            #expect(scrape.status == .ok)
            let m = try MetricsTests.parse(scrape.text)
            let status = { (kind: String, status: String) in
                MetricsTests.value(m, "closebell_latest_run_status", ["kind": kind, "status": status])
            }
            #expect(status("daily", "cancelled") == 1 && status("daily", "completed") == 0)
            #expect(status("retry", "completed") == 1 && status("backfill", "completed") == nil)
            #expect(MetricsTests.value(m, "closebell_latest_run_id", ["kind": "retry"]) == Double(retryId))
            #expect(MetricsTests.value(m, "closebell_latest_run_failed_symbols", ["kind": "retry"]) == 0)
            #expect(MetricsTests.value(m, "closebell_runs_active") == 0)
            let finished = MetricsTests.value(m, "closebell_latest_run_finished_timestamp_seconds", ["kind": "retry"]) ?? 0
            #expect(abs(finished - Date().timeIntervalSince1970) < 120)
            #expect(MetricsTests.value(m, "closebell_latest_predicted_date_timestamp_seconds", ["market": "nepse"])
                    == Double(c.day.daysSinceEpoch) * 86_400)
            // The management API's statistics lag a few seconds behind the workers' arrival.
            var consumers = MetricsTests.value(m, "closebell_queue_consumers", ["queue": c.topology.chunkQueue])
            let end = Date() + 20
            while consumers != 2 && Date() < end {
                try await Task.sleep(for: .milliseconds(500))
                consumers = MetricsTests.value(try MetricsTests.parse(try await b.request("/metrics").text),
                                               "closebell_queue_consumers", ["queue": c.topology.chunkQueue])
            }
            #expect(consumers == 2)
            #expect(MetricsTests.value(m, "closebell_queue_messages", ["queue": c.topology.deadLetterQueue,
                                                                         "state": "ready"]) == 0)
        }
    }
}
