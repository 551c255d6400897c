import ArgumentParser
import ClosebellDashboard
import ClosebellProtocol
import ClosebellRuntime
import ClosebellStorage
import Foundation
import Logging
import ServiceLifecycle
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// `closebell-bench dashboard`: every page and API listing served by a real dashboard over HTTP,
/// with a history of 10,000 runs (chunks, failures, a year of accuracy) in a fresh database,
/// beside `/healthz` (the HTTP round trip with no work) measured in the same run.
struct DashboardBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dashboard",
        abstract: "Page render times (ms) with a long run history, beside the bare HTTP round trip.")

    @Option(help: "Runs in the history.") var runs = 10_000
    @Option(help: "Requests per page.") var requests = 50

    func run() throws {
        let base = Settings.databaseURL(nil)
        guard !base.isEmpty else { throw ValidationError("set CLOSEBELL_DATABASE_URL (eval \"$(ops/services env)\")") }
        let name = "bench_dashboard_\(UUID().uuidString.prefix(6).lowercased())"
        let admin = try PGConnection(base)
        try admin.execute("CREATE DATABASE \(name)")
        defer { try? admin.execute("DROP DATABASE IF EXISTS \(name) WITH (FORCE)"); admin.close() }
        var parts = URLComponents(string: base)!
        parts.path = "/\(name)"
        let url = parts.string!
        let db = try PGConnection(url)
        try Migrator.migrate(db)
        let seeded = Date()
        try seed(db)
        db.close()
        print("seeded \(runs) runs, \(runs * 10) chunks, \(runs / 10 * 20) failed symbols, "
              + "2 models × 250 days of accuracy "
              + String(format: "in %.1f s", Date().timeIntervalSince(seeded)))

        let port = Int.random(in: 30_000..<40_000)
        let logDir = NSTemporaryDirectory() + name
        var o = DashboardOptions(databaseURL: url, amqpURL: try AMQPURL(Settings.amqpURL(nil)),
                                 topology: ClosebellTopology(prefix: name),
                                 credentials: DashboardCredentials(),
                                 launcher: CoordinatorLauncher(executable: "/nonexistent", logDirectory: logDir),
                                 logDirectory: logDir, defaultModels: "/models")
        o.port = port
        o.managementURL = Settings.env("CLOSEBELL_MANAGEMENT_URL")
        let service = DashboardService(options: o, db: DashboardDatabase(url: url))
        var logger = Logger(label: "bench")
        logger.logLevel = .error
        let app = try DashboardServer.application(service: service, logger: logger)
        let group = ServiceGroup(configuration: .init(services: [app], logger: logger))
        let server = Task { try await group.run() }
        defer {
            let done = DispatchSemaphore(value: 0)
            Task { await group.triggerGracefulShutdown(); _ = await server.result; done.signal() }
            done.wait()
        }
        let latest = runs
        let pages = ["/healthz", "/", "/runs", "/runs?page=100", "/runs?status=failed",
                     "/runs?status=completed&from=2020-01-01",
                     "/runs/\(latest)", "/runs/\(latest / 2)", "/launch", "/queues", "/accuracy", "/export",
                     "/api/v1/runs", "/api/v1/runs/active", "/api/v1/runs/\(latest)", "/api/v1/accuracy"]
        try waitUntilUp(port)
        print("\(requests) requests each, one at a time, over HTTP on loopback (ms; target: every page under 50)")
        print("page                                          p50     p95     max  status")
        var floor = 0.0
        for page in pages {
            var times: [Double] = []
            var status = 0
            for _ in 0..<requests {
                let t = Date()
                status = try get(port, page)
                times.append(Date().timeIntervalSince(t) * 1000)
            }
            times.sort()
            let p50 = times[times.count / 2], p95 = times[min(times.count - 1, times.count * 95 / 100)]
            if page == "/healthz" { floor = p50 }
            print(page.padding(toLength: 42, withPad: " ", startingAt: 0)
                  + String(format: "%7.2f %7.2f %7.2f  %d", p50, p95, times.last!, status))
        }
        print(String(format: "(/healthz is the HTTP round trip alone: %.2f ms at p50)", floor))
    }

    /// 10 % of the runs failed with 20 failed symbols each; every run has 10 chunks.
    func seed(_ db: PGConnection) throws {
        try db.execute("""
            INSERT INTO runs (market, as_of_date, status, progress, total_symbols, processed, succeeded, failed,
                              started_at, finished_at, config, message)
            SELECT 'nepse', date '1990-01-01' + i,
                   CASE WHEN i % 10 = 0 THEN 'completed_with_failures' ELSE 'completed' END,
                   100, 300, 300, CASE WHEN i % 10 = 0 THEN 280 ELSE 300 END, CASE WHEN i % 10 = 0 THEN 20 ELSE 0 END,
                   now() - make_interval(days => \(runs) - i),
                   now() - make_interval(days => \(runs) - i) + interval '3 s',
                   jsonb_build_object('as_of_date', (date '1990-01-01' + i)::text, 'model_store', '/models',
                                      'chunk_size', 30),
                   '300 of 300 symbols processed'
            FROM generate_series(1, \(runs)) AS i;
            INSERT INTO chunks (run_id, chunk_no, symbols, status, attempts, worker, published_at, completed_at,
                                compute_ms, succeeded, failed)
            SELECT r.run_id, n, ARRAY(SELECT 'S' || (n * 30 + k) FROM generate_series(1, 30) AS k), 'done', 1,
                   'worker-' || (n % 2), r.started_at, r.finished_at, 12.5, 30, 0
            FROM runs r, generate_series(0, 9) AS n;
            INSERT INTO symbol_failures (run_id, symbol, as_of_date, chunk_no, stage, error)
            SELECT r.run_id, 'S' || k, r.as_of_date, 0, 'features', 'not enough history'
            FROM runs r, generate_series(1, 20) AS k WHERE r.status = 'completed_with_failures';
            INSERT INTO accuracy_daily (market, model_kind, model_hash, as_of_date, n, sum_abs, sum_sq, n_direction,
                                        hits)
            SELECT 'nepse', m, md5(m), date '2020-01-01' + d, 300, 300 * (1 + d % 7 * 0.1), 300 * 2.5, 290, 150 + d % 40
            FROM generate_series(0, 249) AS d, unnest(ARRAY['xgboost', 'linear']) AS m;
            ANALYZE
            """)
    }

    func waitUntilUp(_ port: Int) throws {
        for _ in 0..<100 {
            if (try? get(port, "/healthz")) == 200 { return }
            Thread.sleep(forTimeInterval: 0.05)
        }
        throw ValidationError("the dashboard did not start on port \(port)")
    }

    /// GET a path; returns the status after reading the whole body.
    func get(_ port: Int, _ path: String) throws -> Int {
        let sem = DispatchSemaphore(value: 0)
        nonisolated(unsafe) var status = 0
        URLSession.shared.dataTask(with: URL(string: "http://127.0.0.1:\(port)\(path)")!) { _, r, _ in
            status = (r as? HTTPURLResponse)?.statusCode ?? 0
            sem.signal()
        }.resume()
        sem.wait()
        return status
    }
}
