import ArgumentParser
import ClosebellCore
import ClosebellProtocol
import ClosebellRuntime
import ClosebellStorage
import Foundation

/// Broker and database throughput: publish+confirm, consume, COPY, upsert.
struct TransportBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "transport",
        abstract: "Publish+confirm and consume msgs/s (classic and quorum queues), COPY and upsert rows/s.")

    @Option(help: "Messages per publish/consume measurement.") var messages = 50_000
    @Option(help: "Message body size in bytes.") var size = 200
    @Option(help: "Unconfirmed publishes allowed in flight.") var window = 1_000
    @Option(help: "Rows for COPY and upsert.") var rows = 1_000_000

    func run() throws {
        let url = try AMQPURL(Settings.amqpURL(nil))
        let body = [UInt8](repeating: 0x61, count: size)
        for kind in ["classic", "quorum"] {
            let q = "bench-\(kind)-\(UUID().uuidString.prefix(6))"
            let c = try AMQPConnection(url: url)
            try c.declareQueue(q, arguments: kind == "quorum" ? ["x-queue-type": .string("quorum")] : [:])
            try c.enableConfirms(channel: ClosebellChannels.publish)
            var t0 = Date()
            for i in 0..<messages {
                try c.publish(channel: ClosebellChannels.publish, exchange: "", routingKey: q, body: body, properties: .init(messageId: String(i)))
                if c.outstandingConfirms(channel: ClosebellChannels.publish) >= window { try c.waitForConfirms(channel: ClosebellChannels.publish, maxOutstanding: window / 2) }
            }
            try c.waitForConfirms(channel: ClosebellChannels.publish)
            let pub = Double(messages) / Date().timeIntervalSince(t0)
            let consumer = try AMQPConnection(url: url)
            try consumer.setPrefetch(channel: ClosebellChannels.consume, count: 500)
            try consumer.consume(channel: ClosebellChannels.consume, queue: q)
            t0 = Date()
            var got = 0
            var lastTag: UInt64 = 0
            while got < messages, let d = try consumer.nextDelivery(timeoutSeconds: 10) {
                got += 1
                lastTag = d.deliveryTag
                if got % 100 == 0 { try consumer.ack(channel: ClosebellChannels.consume, deliveryTag: lastTag, multiple: true) }
            }
            try consumer.ack(channel: ClosebellChannels.consume, deliveryTag: lastTag, multiple: true)
            let con = Double(got) / Date().timeIntervalSince(t0)
            try c.deleteQueue(q)
            print(String(format: "amqp %-7@ publish+confirm %8.0f msg/s   consume+ack %8.0f msg/s   (%d msgs, %d B, window %d)",
                         kind, pub, con, messages, size, window))
        }

        let db = try PGConnection(Settings.databaseURL(nil))
        // Ordinary (logged) tables, as production writes them; dropped at the end.
        try db.execute("DROP TABLE IF EXISTS bench_target, bench_stage")
        defer { try? db.execute("DROP TABLE IF EXISTS bench_target, bench_stage") }
        try db.execute("CREATE TABLE IF NOT EXISTS bench_target (symbol text, d date, v double precision, k text, PRIMARY KEY (symbol, d))")
        try db.execute("CREATE TABLE IF NOT EXISTS bench_stage (symbol text, d date, v double precision, k text)")
        // Field texts prepared outside the timed part: the measurement is the COPY itself.
        let symbols = (0..<10_000).map { "S\($0)" }
        let days: [String] = (0...(rows / 10_000)).map { (d: Int) -> String in
            let y: Int = 2000 + d / 336, m: Int = 1 + d / 28 % 12, day: Int = 1 + d % 28
            return String(format: "%04d-%02d-%02d", y, m, day)
        }
        let values = (0..<1000).map { String(Double($0) * 0.001) }
        var t0 = Date()
        try db.copyIn("COPY bench_stage FROM STDIN") { w in
            for i in 0..<rows {
                w.add(symbols[i % 10_000])
                w.add(days[i / 10_000])
                w.add(values[i % 1000])
                w.add("xgboost")
                try w.endRow()
            }
        }
        let copyRate = Double(rows) / Date().timeIntervalSince(t0)
        try db.execute("DELETE FROM bench_stage a USING bench_stage b WHERE a.ctid < b.ctid AND a.symbol = b.symbol AND a.d = b.d")
        let n = Int(try db.query("SELECT count(*) FROM bench_stage").scalar ?? "0") ?? 0
        t0 = Date()
        try db.execute("INSERT INTO bench_target SELECT * FROM bench_stage ON CONFLICT (symbol, d) DO UPDATE SET v = EXCLUDED.v, k = EXCLUDED.k")
        let insertRate = Double(n) / Date().timeIntervalSince(t0)
        t0 = Date()
        try db.execute("INSERT INTO bench_target SELECT * FROM bench_stage ON CONFLICT (symbol, d) DO UPDATE SET v = EXCLUDED.v, k = EXCLUDED.k")
        let updateRate = Double(n) / Date().timeIntervalSince(t0)
        print(String(format: "postgres COPY %9.0f rows/s (%d rows)   upsert from staging: insert %8.0f rows/s, update %8.0f rows/s (%d rows)",
                     copyRate, rows, insertRate, updateRate, n))
    }
}
