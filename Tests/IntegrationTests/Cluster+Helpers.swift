import ClosebellCore
import ClosebellProtocol
import ClosebellStorage
import Foundation
import Testing

extension Cluster {
    /// Adds `symbols` to every daily file (a random walk each), ingests the changed files again.
    func addSymbols(_ symbols: [String]) throws {
        var rng = SplitMix64(seed: 7)
        var price = Dictionary(uniqueKeysWithValues: symbols.map { ($0, 100.0) })
        let files = try DailyFiles.list([dir + "/data"])
        for f in files {
            let day = DailyFileName(f)!.day
            var text = try String(contentsOfFile: f, encoding: .utf8)
            if !text.hasSuffix("\n") { text += "\n" }
            for s in symbols {
                let p = price[s]! * (1 + (rng.uniform() - 0.5) / 20)
                price[s] = p
                text += "\(day),\(s),\(p),\(p + 1),\(p - 1),\(p),1000\n"
            }
            try text.write(toFile: f, atomically: true, encoding: .utf8)
        }
        _ = try coordinator(["ingest", dir + "/data"])
    }

    /// Publishes raw bodies to this cluster's results queue, confirmed.
    func publishResults(_ bodies: [(id: String, body: [UInt8])]) throws {
        let conn = try TestServers.connectAMQP()
        defer { conn.close() }
        try topology.topology.declare(on: conn)
        try conn.enableConfirms(channel: 2)
        for (id, body) in bodies {
            try conn.publish(channel: 2, exchange: topology.resultExchange, routingKey: topology.resultRoutingKey, body: body,
                             properties: .init(messageId: id))
        }
        try conn.waitForConfirms(channel: 2)
    }

    /// The text a process printed (stdout and stderr) into its log in the cluster folder.
    func output(_ exe: String) -> String { (try? String(contentsOfFile: "\(dir)/\(exe).log", encoding: .utf8)) ?? "" }

    /// Runs `coordinator ARGS` and returns its exit code and everything it printed.
    func coordinatorOutput(_ args: [String], env extra: [String: String] = [:]) throws -> (Int32, String) {
        let log = "\(dir)/cmd-\(UUID().uuidString.prefix(6)).log"
        let p = try ChildProcess("\(Cluster.bin)/coordinator", args, environment: env.merging(extra) { $1 }, outputPath: log)
        let code = p.wait()
        return (code, (try? String(contentsOfFile: log, encoding: .utf8)) ?? "")
    }

    /// Waits (up to 20 s) until at least `n` of the run's chunks have `status`.
    func waitForChunks(_ status: ChunkStatus, atLeast n: Int) -> Bool {
        waitFor(20) { (try? count("SELECT count(*) FROM chunks WHERE status = $1", [status.rawValue])) ?? 0 >= n }
    }

    /// One slow worker, a run, `coordinator cancel` once a chunk is done; the run exits 4.
    /// Returns the cancelled run's id (the worker keeps running).
    func runAndCancelMidway() throws -> Int64 {
        try startWorkers(1, env: ["CLOSEBELL_FAULT_DELAY_MS": "300"])
        let run = try startRun()
        #expect(waitForChunks(.done, atLeast: 1))
        let id = try #require(try latestRun()).id
        #expect(try coordinator(["cancel", String(id)]) == 0)
        #expect(run.wait() == 4)
        return id
    }
}
