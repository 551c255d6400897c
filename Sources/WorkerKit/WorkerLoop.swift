import ClosebellCore
import ClosebellProtocol
import Foundation
import Logging
import Synchronization

/// Process-wide stop flag, set from the SIGTERM/SIGINT handler.
public let workerStopRequested = Atomic<Bool>(false)

/// Options of the consuming worker.
public struct WorkerOptions: Sendable {
    public var amqpURL: AMQPURL
    public var topology: ClosebellTopology
    public var prefetch: Int = 1
    public var heartbeatSeconds: Int = 30
    public var workerId: String
    /// Stop after this many chunks (0: never); for tests and benchmarks.
    public var maxChunks: Int = 0

    public init(amqpURL: AMQPURL, topology: ClosebellTopology, workerId: String) {
        self.amqpURL = amqpURL
        self.topology = topology
        self.workerId = workerId
    }
}

/// The worker's consume → compute → publish → ack loop.
///
/// The AMQP connection stays on this thread; computation runs on another, while this thread
/// keeps servicing heartbeats. The result is published with a confirm before the chunk is acked,
/// so a crash at any point makes the broker deliver the chunk again (the coordinator ignores a
/// second result). SIGTERM finishes the chunk in hand, then returns.
public final class WorkerLoop {
    let options: WorkerOptions
    let processor: ChunkProcessor
    var logger: Logger
    private var cancelledRuns = Set<Int64>()
    private let controlQueue: String
    public private(set) var chunksDone = 0

    static let publishChannel: UInt16 = 2
    static let chunkChannel: UInt16 = 3
    static let controlChannel: UInt16 = 4

    public init(options: WorkerOptions, logger: Logger = Logger(label: "closebell.worker")) {
        self.options = options
        self.processor = ChunkProcessor(workerId: options.workerId)
        self.logger = logger
        self.logger[metadataKey: "worker"] = "\(options.workerId)"
        self.controlQueue = "\(options.topology.prefix).control.\(options.workerId)"
    }

    /// Runs until stopped (SIGTERM) or `maxChunks` is reached.
    public func run() throws {
        let t = options.topology
        let controlQueue = self.controlQueue
        let prefetch = options.prefetch
        let logger = self.logger
        // The worker declares the shared topology when its broker user may; a least-privilege
        // worker user may not (403), and then uses the topology the coordinator declared,
        // waiting (404, retried) until it exists.
        let session = AMQPSession(url: options.amqpURL, topology: Topology(), heartbeatSeconds: options.heartbeatSeconds,
                                  logger: logger) { c in
            do { try t.topology.declare(on: c) } catch let e as AMQPError where e.replyCode == 403 {
                logger.debug("no permission to declare the topology; using the coordinator's", metadata: ["error": "\(e)"])
                _ = try c.queueInfo(t.chunkQueue)
            }
            try c.enableConfirms(channel: WorkerLoop.publishChannel)
            try c.declareQueue(controlQueue, durable: false, exclusive: true, autoDelete: true)
            try c.bindQueue(controlQueue, exchange: t.controlExchange, routingKey: "")
            try c.consume(channel: WorkerLoop.controlChannel, queue: controlQueue)
            try c.setPrefetch(channel: WorkerLoop.chunkChannel, count: prefetch)
            try c.consume(channel: WorkerLoop.chunkChannel, queue: t.chunkQueue)
        }
        session.shouldStop = { workerStopRequested.load(ordering: .relaxed) }
        logger.info("worker started", metadata: ["broker": "\(options.amqpURL)", "queue": "\(t.chunkQueue)", "prefetch": "\(prefetch)"])
        defer { session.close() }
        while !workerStopRequested.load(ordering: .relaxed) {
            if options.maxChunks > 0 && chunksDone >= options.maxChunks { break }
            do {
                try session.withConnection { c in
                    guard let d = try c.nextDelivery(timeoutSeconds: 0.25) else { return }
                    try handle(d, on: c)
                }
            } catch let e as AMQPError where e.isConnectionLoss {
                if workerStopRequested.load(ordering: .relaxed) { break }
                logger.warning("lost the broker; reconnecting", metadata: ["error": "\(e)"])
            }
        }
        logger.info("worker stopped", metadata: ["chunks": "\(chunksDone)"])
    }

    func handle(_ d: AMQPDelivery, on c: AMQPConnection) throws {
        if d.channel == WorkerLoop.controlChannel {
            if let cancel = try? CancelMessage.decode(d.body) {
                cancelledRuns.insert(cancel.runId)
                logger.info("run cancelled", metadata: ["run": "\(cancel.runId)"])
            }
            try c.ack(channel: d.channel, deliveryTag: d.deliveryTag)
            return
        }
        let chunk: ChunkMessage
        do {
            chunk = try ChunkMessage.decode(d.body)
        } catch {
            try deadLetter(d, reason: "\(error)", on: c)
            return
        }
        if cancelledRuns.contains(chunk.runId) {
            try c.ack(channel: d.channel, deliveryTag: d.deliveryTag)
            return
        }
        // Tell the coordinator the chunk is taken: its timeout clock starts now, not at publish.
        let started = StartedMessage(runId: chunk.runId, chunkNo: chunk.chunkNo, attempt: chunk.attempt, worker: options.workerId)
        try publishResult(started.encode(), messageId: started.messageId, kind: .started, on: c)
        try FaultInjection.beforeCompute(chunk)
        // Compute on another thread; keep servicing the connection (heartbeats) meanwhile.
        let box = ResultBox()
        let processor = self.processor
        let done = DispatchSemaphore(value: 0)
        Thread.detachNewThread {
            FaultInjection.delay()
            box.set(processor.process(chunk))
            done.signal()
        }
        while done.wait(timeout: .now()) == .timedOut {
            try c.service(timeoutSeconds: 0.02)
        }
        let result = box.get()!
        if FaultInjection.forgeResults {
            let forged = FaultInjection.forged(result)
            try publishResult(forged.encode(), messageId: forged.messageId, kind: .result, on: c)
        }
        try publishResult(result.encode(), messageId: result.messageId, kind: .result, on: c)
        if FaultInjection.duplicateResults {
            try publishResult(result.encode(), messageId: result.messageId, kind: .result, on: c)
        }
        try c.waitForConfirms(channel: WorkerLoop.publishChannel)
        try c.ack(channel: d.channel, deliveryTag: d.deliveryTag)
        chunksDone += 1
        logger.debug("chunk done", metadata: ["run": "\(chunk.runId)", "chunk": "\(chunk.chunkNo)", "symbols": "\(chunk.series.count)",
                                              "compute_us": "\(result.computeMicros)"])
    }

    /// Publishes to the results queue (confirmed before the chunk is acked).
    func publishResult(_ body: [UInt8], messageId: String, kind: WireFormat.Kind, on c: AMQPConnection) throws {
        try c.publish(channel: WorkerLoop.publishChannel, exchange: options.topology.resultExchange,
                      routingKey: options.topology.resultRoutingKey, body: body,
                      properties: .init(messageId: messageId, type: kind.typeName))
    }

    /// Sends an unusable message to the dead-letter exchange with the reason, then acks it.
    func deadLetter(_ d: AMQPDelivery, reason: String, on c: AMQPConnection) throws {
        logger.error("dead-lettering a message", metadata: ["reason": "\(reason)", "message_id": "\(d.properties.messageId ?? "-")"])
        var props = d.properties
        props.headers["x-closebell-error"] = .string(reason)
        props.headers["x-closebell-worker"] = .string(options.workerId)
        props.headers["x-closebell-source-queue"] = .string(options.topology.chunkQueue)
        try c.publish(channel: WorkerLoop.publishChannel, exchange: options.topology.deadLetterExchange, routingKey: "", body: d.body, properties: props)
        try c.waitForConfirms(channel: WorkerLoop.publishChannel)
        try c.ack(channel: d.channel, deliveryTag: d.deliveryTag)
    }
}

final class ResultBox: @unchecked Sendable {
    private let lock = NSLock()
    private var value: ResultMessage?
    func set(_ v: ResultMessage) { lock.lock(); value = v; lock.unlock() }
    func get() -> ResultMessage? { lock.lock(); defer { lock.unlock() }; return value }
}

/// Fault injection for the fault tests, off unless its environment variables are set:
/// `CLOSEBELL_FAULT_CRASH_ON_SYMBOL=SYM` makes the worker die (exit 70, no ack) on any chunk
/// holding SYM; `CLOSEBELL_FAULT_DELAY_MS=N` holds every chunk N ms before computing, so a
/// test can kill a worker mid-chunk; `CLOSEBELL_FAULT_DUPLICATE_RESULTS=1` publishes every
/// result twice; `CLOSEBELL_FAULT_FORGE_RESULT=1` publishes an invalid result before each real one.
enum FaultInjection {
    static let duplicateResults = Settings.env("CLOSEBELL_FAULT_DUPLICATE_RESULTS") == "1"
    static let crashSymbol = Settings.env("CLOSEBELL_FAULT_CRASH_ON_SYMBOL")
    static let delayMs = Settings.env("CLOSEBELL_FAULT_DELAY_MS").flatMap { Int($0) } ?? 0
    static let forgeResults = Settings.env("CLOSEBELL_FAULT_FORGE_RESULT") == "1"

    /// A result that decodes but does not fit its chunk: a symbol it never held, a NaN value,
    /// a model path outside the store, and the chunk's first symbol missing.
    static func forged(_ real: ResultMessage) -> ResultMessage {
        var f = real
        f.predictions = Array(f.predictions.dropFirst())
        f.failures = Array(f.failures.dropFirst(f.predictions.count == real.predictions.count ? 1 : 0))
        f.predictions.append(.init(symbol: "FORGED \u{1F480}", value: .nan, target: real.asOf.adding(days: 1),
                                   model: ModelIdentity(kind: .linear, path: "/etc/passwd", hash: String(repeating: "0", count: 64))))
        return f
    }

    static func beforeCompute(_ chunk: ChunkMessage) throws {
        if let sym = crashSymbol, chunk.series.contains(where: { $0.symbol == sym }) {
            FileHandle.standardError.write(Data("fault injection: crashing on \(sym) (run \(chunk.runId) chunk \(chunk.chunkNo))\n".utf8))
            exit(70)
        }
    }

    /// Runs on the compute thread, so heartbeats keep flowing while a chunk is held.
    static func delay() {
        if delayMs > 0 { Thread.sleep(forTimeInterval: Double(delayMs) / 1000) }
    }
}
