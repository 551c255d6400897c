import ClosebellCore
import ClosebellRuntime
import Foundation
import Testing

/// `/metrics`, `/healthz` and `/readyz` on a worker and on a running coordinator, scraped during a
/// real run and parsed by Prometheus' own Python client.
@Suite("Metrics and health endpoints", .serialized,
       .enabled(if: TestServers.shouldRun, TestServers.skipReason))
struct MetricsTests {
    /// A free TCP port on loopback.
    static func freePort() -> Int {
        for _ in 0..<50 {
            let p = Int.random(in: 20_000..<40_000)
            let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            defer { close(fd) }
            var a = sockaddr_in()
            a.sin_family = sa_family_t(AF_INET)
            a.sin_port = in_port_t(UInt16(p).bigEndian)
            a.sin_addr.s_addr = inet_addr("127.0.0.1")
            let ok = withUnsafePointer(to: &a) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } }
            if ok == 0 { return p }
        }
        return 29_999
    }

    /// GET http://127.0.0.1:port/path → (status, body), via curl.
    static func get(_ port: Int, _ path: String) throws -> (Int, String) {
        let out = NSTemporaryDirectory() + "closebell-get-\(UUID().uuidString.prefix(6))"
        defer { try? FileManager.default.removeItem(atPath: out) }
        let p = try ChildProcess("/usr/bin/curl", ["-s", "-o", out, "-w", "%{http_code}", "--max-time", "3",
                                                   "http://127.0.0.1:\(port)\(path)"], outputPath: out + ".code")
        _ = p.wait()
        let code = Int((try? String(contentsOfFile: out + ".code", encoding: .utf8)) ?? "") ?? 0
        try? FileManager.default.removeItem(atPath: out + ".code")
        return (code, (try? String(contentsOfFile: out, encoding: .utf8)) ?? "")
    }

    /// Samples by name, parsed by prometheus_client; fails the test if the text is not valid.
    static func parse(_ text: String) throws -> [String: [([String: String], Double)]] {
        let python = try #require(ProcessInfo.processInfo.environment["CLOSEBELL_PYTHON"], "needs the venv (ops/test)")
        let dir = NSTemporaryDirectory() + "closebell-prom-\(UUID().uuidString.prefix(6))"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try text.write(toFile: dir + "/in.txt", atomically: true, encoding: .utf8)
        let script = TestServers.root.appendingPathComponent("Tests/parity/prometheus_parse.py").path
        let code = try ChildProcess.run("/bin/sh", ["-c", "\"\(python)\" \"\(script)\" < \(dir)/in.txt > \(dir)/out.json"],
                                        outputPath: dir + "/err.txt")
        #expect(code == 0, "\((try? String(contentsOfFile: dir + "/err.txt", encoding: .utf8)) ?? "")")
        let json = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: dir + "/out.json"))) as? [String: Any]
        var out: [String: [([String: String], Double)]] = [:]
        for (name, samples) in json ?? [:] {
            out[name] = (samples as? [[Any]] ?? []).map { (($0[0] as? [String: String]) ?? [:], ($0[1] as? Double) ?? .nan) }
        }
        return out
    }

    static func value(_ m: [String: [([String: String], Double)]], _ name: String, _ labels: [String: String] = [:]) -> Double? {
        m[name]?.first { s in labels.allSatisfy { s.0[$0.key] == $0.value } }?.1
    }

    @Test("a worker and a running coordinator serve metrics Prometheus parses, and health and readiness")
    func scrapeDuringRun() throws {
        let c = try Cluster(symbols: 60, days: 30)
        let wp = Self.freePort(), cp = Self.freePort()
        c.workers.append(try c.spawn("worker", ["--log-level", "warning", "--metrics-port", String(wp)],
                                     env: ["CLOSEBELL_FAULT_DELAY_MS": "400"]))
        #expect(c.waitFor(10) { (try? Self.get(wp, "/readyz").0) == 200 })
        #expect(try Self.get(wp, "/healthz") == (200, "ok\n"))
        let run = try c.startRun(["--metrics-port", String(cp), "--chunk-size", "5"])
        #expect(c.waitForChunks(.done, atLeast: 2))
        #expect(c.waitFor(5) { (try? Self.get(cp, "/readyz").0) == 200 })
        // The run's gauges move at each progress tick (every second).
        var coord: [String: [([String: String], Double)]] = [:]
        #expect(try c.waitFor(10) {
            let (code, text) = try Self.get(cp, "/metrics")
            coord = code == 200 ? try Self.parse(text) : [:]
            return (Self.value(coord, MetricNames.runChunks, ["state": "done"]) ?? 0) >= 2
        })
        let progress = try #require(Self.value(coord, MetricNames.runProgress))
        #expect(progress > 0 && progress < 1)
        #expect(Self.value(coord, MetricNames.runSymbols, ["outcome": "predicted"]) ?? 0 > 0)
        #expect(Self.value(coord, MetricNames.runChunks, ["state": "done"]) ?? 0 >= 2)
        #expect(Self.value(coord, MetricNames.queueConsumers, ["queue": c.topology.chunkQueue]) == 1)
        #expect(Self.value(coord, MetricNames.queueMessages, ["queue": c.topology.deadLetterQueue, "state": "ready"]) == 0)
        #expect(Self.value(coord, MetricNames.coordinatorResults, ["outcome": "applied"]) ?? 0 >= 2)
        #expect(Self.value(coord, MetricNames.coordinatorAggregate + "_count") ?? 0 >= 2)
        #expect(run.wait() == 0)
        let worker = try Self.parse(try Self.get(wp, "/metrics").1)
        let chunks = try c.count("SELECT count(*) FROM chunks")
        #expect(Self.value(worker, MetricNames.workerChunks, ["outcome": "processed"]) == Double(chunks))
        #expect(Self.value(worker, MetricNames.workerSymbols, ["outcome": "predicted"]) == 60)
        #expect(Self.value(worker, MetricNames.workerChunkCompute + "_count") == Double(chunks))
        #expect(Self.value(worker, MetricNames.workerModelsCached) == 1)
        #expect(Self.value(worker, MetricNames.workerLastChunk) ?? 0 > Date().timeIntervalSince1970 - 60)
        c.stopWorkers()
    }

    @Test("--log-format json writes one JSON object per line, with the typed metadata keys")
    func jsonLogs() throws {
        let c = try Cluster(symbols: 20, days: 30)
        let w = try c.spawn("worker", ["--log-level", "debug", "--log-format", "json", "--id", "json-worker"])
        c.workers.append(w)
        #expect(try c.startRun().wait() == 0)
        c.stopWorkers()
        // worker.log also holds `worker train`'s text from the cluster's set-up: take the JSON worker's lines.
        let lines = c.output("worker").split(separator: "\n").filter { $0.hasPrefix("{") }
        #expect(lines.count >= 3)
        var sawChunk = false
        for line in lines {
            let obj = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: String], "\(line)")
            #expect(obj["level"] != nil && obj["msg"] != nil && obj["ts"] != nil)
            #expect(obj[LogKey.worker] == "json-worker")
            if obj["msg"] == "chunk done" { sawChunk = obj[LogKey.run] != nil && obj[LogKey.chunk] != nil }
        }
        #expect(sawChunk)
    }
}
