import ClosebellCore
import ClosebellProtocol
import ClosebellStorage
import Foundation
import TestSupport
import Testing

/// What used to be silent or misleading now has a clear outcome: an exit code cron can read and
/// a message that says what is wrong.
@Suite("Clear outcomes for odd options and missing pieces", .serialized,
       .enabled(if: TestServers.shouldRun, TestServers.skipReason))
struct ClearOutcomeTests {
    @Test("impossible options exit 64 naming the flag", arguments: [
        (["--backoff=-1"], "--backoff -1.0"), (["--chunk-size=-3"], "--chunk-size -3"),
        (["--timeout", "0"], "--timeout 0"), (["--timeout=-1"], "--timeout -1"),
        (["--max-attempts", "0"], "--max-attempts 0"), (["--date", "2025-13-40"], "is not YYYY-MM-DD"),
    ])
    func badOptions(args: [String], expected: String) throws {
        let c = try Cluster(symbols: 5, days: 20)
        let (code, said) = try c.coordinatorOutput(["run", "--date", c.day.description] + args)
        #expect(code == 64)
        #expect(said.contains(expected), "\(said)")
    }

    @Test("a missing or empty model store is refused unless --fallback-only says so")
    func modelStoreMissing() throws {
        let c = try Cluster(symbols: 20, days: 30)
        let (missing, why) = try c.coordinatorOutput(["run", "--date", c.day.description, "--models", c.dir + "/nowhere"])
        #expect(missing == 64)
        #expect(why.contains("does not exist") && why.contains("--fallback-only"), "\(why)")
        try FileManager.default.createDirectory(atPath: c.dir + "/empty", withIntermediateDirectories: true)
        let (empty, why2) = try c.coordinatorOutput(["run", "--date", c.day.description, "--models", c.dir + "/empty"])
        #expect(empty == 64)
        #expect(why2.contains("holds no model"), "\(why2)")
        try c.startWorkers(1)
        #expect(try c.startRun(["--models", c.dir + "/nowhere", "--fallback-only"]).wait() == 0)
        #expect(try c.count("SELECT count(*) FROM predictions WHERE NOT is_fallback") == 0)
        #expect(try c.count("SELECT count(*) FROM predictions") > 0)
        c.stopWorkers()
    }

    @Test("a date with no data fails (exit 1) saying the day's file may not have been ingested")
    func noData() throws {
        let c = try Cluster(symbols: 5, days: 20)
        let (code, said) = try c.coordinatorOutput(["run", "--date", c.day.adding(days: 30).description])
        #expect(code == 1)
        #expect(said.contains("no data for nepse \(c.day.adding(days: 30)): was the day's file ingested?"), "\(said)")
        let r = try #require(try c.latestRun())
        #expect(r.status == .failed)
        #expect(r.error?.contains("no data") == true)
    }

    @Test("the broker down at start: the run gives up after --broker-timeout, marked failed; a later run resumes it")
    func brokerDownAtStart() throws {
        let c = try Cluster(symbols: 30, days: 30)
        let started = Date()
        let (code, said) = try c.coordinatorOutput(["run", "--date", c.day.description, "--chunk-size", "10", "--broker-timeout", "2",
                                                    "--amqp-url", "amqp://closebell:closebell@127.0.0.1:1/%2F"])
        #expect(code == 1)
        #expect(Date().timeIntervalSince(started) < 30)
        #expect(said.contains("broker unreachable"), "\(said)")
        let failed = try #require(try c.latestRun())
        #expect(failed.status == .failed)
        #expect(failed.error?.contains("broker unreachable") == true)
        try c.startWorkers(1)
        #expect(try c.startRun().wait() == 0)
        let r = try #require(try c.latestRun())
        #expect(r.id == failed.id)  // resumed, not planned again
        #expect(r.status == .completed)
        try c.expectExactAccounting(runId: r.id)
        c.stopWorkers()
    }

    @Test("resuming with other flags says the run keeps its original settings, and keeps them")
    func resumeKeepsSettings() throws {
        let c = try Cluster(symbols: 60, days: 30)
        try c.startWorkers(1, env: ["CLOSEBELL_FAULT_DELAY_MS": "300"])
        let first = try c.startRun()
        #expect(c.waitForChunks(.done, atLeast: 1))
        first.signal(SIGKILL)
        _ = first.wait()
        let chunks = try c.count("SELECT count(*) FROM chunks")
        let (code, said) = try c.coordinatorOutput(["run", "--date", c.day.description, "--chunk-size", "7", "--timeout", "30"])
        #expect(code == 0)
        #expect(said.contains("with its original settings; ignoring --chunk-size 7 (run: 10)"), "\(said)")
        #expect(try c.count("SELECT count(*) FROM chunks") == chunks)
        try c.expectExactAccounting(runId: try #require(try c.latestRun()).id)
        c.stopWorkers()
    }

    @Test("retry of a cancelled run runs the never-processed symbols as well as the failed ones")
    func retryCancelled() throws {
        let c = try Cluster(symbols: 60, days: 30)
        let id = try c.runAndCancelMidway()
        c.stopWorkers()
        try c.startWorkers(2)
        let (code, said) = try c.coordinatorOutput(["retry", String(id)])
        #expect(code == 0, "\(said)")
        #expect(said.contains("unprocessed"))
        let day = c.day.description
        #expect(try c.count("SELECT count(*) FROM predictions WHERE as_of_date = $1", [day])
                == (try c.count("SELECT count(*) FROM ohlcv WHERE trading_date = $1", [day])))
        c.stopWorkers()
    }

    @Test("a long-lived worker serves a model edited in place (same size and mtime) with its new hash")
    func modelEditedInPlace() throws {
        let c = try Cluster(symbols: 20, days: 30)
        try c.startWorkers(1)
        #expect(try c.startRun().wait() == 0)
        let path = c.dir + "/models/_global/model.json"
        let before = try Data(contentsOf: URL(fileURLWithPath: path))
        let mtime = try FileManager.default.attributesOfItem(atPath: path)[.modificationDate] as! Date
        var text = String(decoding: before, as: UTF8.self)
        let intercept = try #require(text.range(of: #""intercept""#))
        let digit = try #require(text[intercept.upperBound...].firstIndex { $0.isNumber })
        text.replaceSubrange(digit...digit, with: text[digit] == "7" ? "8" : "7")
        let h = try #require(FileHandle(forWritingAtPath: path))
        h.write(Data(text.utf8))
        try h.close()
        try FileManager.default.setAttributes([.modificationDate: mtime], ofItemAtPath: path)
        #expect(try Data(contentsOf: URL(fileURLWithPath: path)).count == before.count)
        #expect(try c.startRun().wait() == 0)
        let hashes = Set(try c.db().query("SELECT model_hash FROM predictions WHERE NOT is_fallback").rows.map { $0[0]! })
        #expect(hashes == [ContentHash.sha256Hex(Array(text.utf8))])
        c.stopWorkers()
    }

    @Test("a folder whose files are not daily files names each one and fails")
    func misnamedFiles() throws {
        let c = try Cluster(symbols: 5, days: 20)
        try FileManager.default.createDirectory(atPath: c.dir + "/bad", withIntermediateDirectories: true)
        for f in ["prices.csv", "nepse_2024.csv", "nepse_20241399.csv"] {
            try "x".write(toFile: "\(c.dir)/bad/\(f)", atomically: true, encoding: .utf8)
        }
        let (code, said) = try c.coordinatorOutput(["ingest", c.dir + "/bad"])
        #expect(code == 1)
        for f in ["prices.csv", "nepse_2024.csv", "nepse_20241399.csv"] { #expect(said.contains("\(f): skipped: not a daily file name")) }
        #expect(said.contains("no daily files"))
    }

    @Test("a forged chunk with impossible weekdays is dead-lettered with the reason; the worker stays up")
    func forgedChunk() throws {
        let c = try Cluster(symbols: 20, days: 30)
        try c.startWorkers(1)
        var chunk = Fixtures.chunk(symbols: 2, rows: 5)
        chunk.tradingWeekdays = [7, 8, 9]
        let conn = try TestServers.connectAMQP()
        try c.topology.topology.declare(on: conn)
        try conn.enableConfirms(channel: 2)
        try conn.publish(channel: 2, exchange: c.topology.exchange, routingKey: c.topology.chunkRoutingKey, body: chunk.encode(),
                         properties: .init(messageId: "forged-weekdays"))
        try conn.waitForConfirms(channel: 2)
        try conn.consume(channel: 3, queue: c.topology.deadLetterQueue)
        let d = try #require(try conn.nextDelivery(timeoutSeconds: 10))
        #expect(d.properties.messageId == "forged-weekdays")
        #expect(d.properties.headers["x-closebell-error"]?.stringValue?.contains("trading weekdays") == true)
        try conn.ack(channel: 3, deliveryTag: d.deliveryTag)
        #expect(!c.workers[0].hasExited)
        #expect(try c.startRun().wait() == 0)  // and it still works
        c.stopWorkers()
    }
}
