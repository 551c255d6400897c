import ClosebellCore
import ClosebellProtocol
import ClosebellRuntime
import Foundation
import Logging
import Synchronization

/// The worker's consume → compute → publish → ack loop.
///
/// The AMQP connection stays on this thread; computation runs on another, while this thread
/// keeps servicing heartbeats. The result is published with a confirm before the chunk is acked,
/// so a crash at any point makes the broker deliver the chunk again (the coordinator ignores a
/// second result). ``requestStop()`` (graceful shutdown) finishes the chunk in hand, then returns.
public final class WorkerLoop: @unchecked Sendable {
    let options: WorkerOptions
    let processor: ChunkProcessor
    var logger: Logger
    private var cancelledRuns = Set<Int64>()
    private let controlQueue: String
    public private(set) var chunksDone = 0
    private let stopRequested = Atomic<Bool>(false)
    private let connected = Atomic<Bool>(false)
    let metrics: WorkerMetrics

    static let publishChannel = ClosebellChannels.publish
    static let chunkChannel = ClosebellChannels.consume
    static let controlChannel = ClosebellChannels.secondary
    static let highChunkChannel = ClosebellChannels.priority
    /// Deliveries received but not yet handled: at most one per channel (prefetch). Control
    /// messages first, then high-priority chunks, then the rest.
    private var inHand: [AMQPDelivery] = []

    public init(options: WorkerOptions, logger: Logger = Logger(label: "closebell.worker")) {
        self.options = options
        self.processor = ChunkProcessor(workerId: options.workerId)
        self.logger = logger
        self.logger[metadataKey: LogKey.worker] = "\(options.workerId)"
        self.controlQueue = "\(options.topology.prefix).control.\(options.workerId)"
        self.metrics = WorkerMetrics()
    }

    /// Asks the loop to stop after the chunk in hand (safe from any thread).
    public func requestStop() { stopRequested.store(true, ordering: .relaxed) }

    /// Whether the loop holds a live broker connection (for `/readyz`; safe from any thread).
    public var isConnected: Bool { connected.load(ordering: .relaxed) }

    var stopping: Bool { stopRequested.load(ordering: .relaxed) }

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
                logger.debug("no permission to declare the topology; using the coordinator's", metadata: [LogKey.error: "\(e)"])
                _ = try c.queueInfo(t.chunkQueue)
            }
            try c.enableConfirms(channel: WorkerLoop.publishChannel)
            try c.declareQueue(controlQueue, durable: false, exclusive: true, autoDelete: true)
            try c.bindQueue(controlQueue, exchange: t.controlExchange, routingKey: "")
            try c.consume(channel: WorkerLoop.controlChannel, queue: controlQueue)
            try c.setPrefetch(channel: WorkerLoop.highChunkChannel, count: prefetch)
            try c.consume(channel: WorkerLoop.highChunkChannel, queue: t.highChunkQueue)
            try c.setPrefetch(channel: WorkerLoop.chunkChannel, count: prefetch)
            try c.consume(channel: WorkerLoop.chunkChannel, queue: t.chunkQueue)
        }
        session.shouldStop = { [unowned self] in stopping }
        logger.info("worker started", metadata: ["broker": "\(options.amqpURL)", "queue": "\(t.chunkQueue)", "prefetch": "\(prefetch)"])
        defer { session.close(); connected.store(false, ordering: .relaxed) }
        while !stopping {
            if options.maxChunks > 0 && chunksDone >= options.maxChunks { break }
            do {
                try session.withConnection { c in
                    connected.store(true, ordering: .relaxed)
                    guard let d = try next(on: c) else { return }
                    try handle(d, on: c)
                }
            } catch let e as AMQPError where e.isConnectionLoss {
                connected.store(false, ordering: .relaxed)
                inHand = []  // their delivery tags died with the connection; the broker redelivers them
                if stopping { break }
                logger.warning("lost the broker; reconnecting", metadata: [LogKey.error: "\(e)"])
            }
        }
        logger.info("worker stopped", metadata: ["chunks": "\(chunksDone)"])
    }

    /// The next delivery to handle: whatever has arrived is taken in hand first (waiting up to
    /// 0.25 s when nothing is), then control messages go first, high-priority chunks next. Before
    /// a normal chunk is started, the high-priority queue is asked whether chunks wait there; if
    /// so the broker gets a moment to push one here.
    func next(on c: AMQPConnection) throws -> AMQPDelivery? {
        var wait = inHand.isEmpty ? 0.25 : 0.001
        while let d = try c.nextDelivery(timeoutSeconds: wait) {
            inHand.append(d)
            wait = 0.001
        }
        if !inHand.isEmpty, inHand.allSatisfy({ $0.channel == WorkerLoop.chunkChannel }),
           ((try? c.queueInfo(options.topology.highChunkQueue).ready) ?? 0) > 0,
           let d = try c.nextDelivery(timeoutSeconds: 0.05) {
            inHand.append(d)
        }
        let rank: (AMQPDelivery) -> Int = {
            [WorkerLoop.controlChannel: 0, WorkerLoop.highChunkChannel: 1][$0.channel] ?? 2
        }
        guard let i = inHand.indices.min(by: { rank(inHand[$0]) < rank(inHand[$1]) }) else { return nil }
        return inHand.remove(at: i)
    }

    func handle(_ d: AMQPDelivery, on c: AMQPConnection) throws {
        if d.channel == WorkerLoop.controlChannel {
            if let cancel = try? CancelMessage.decode(d.body) {
                cancelledRuns.insert(cancel.runId)
                logger.info("run cancelled", metadata: [LogKey.run: "\(cancel.runId)"])
            }
            try c.ack(channel: d.channel, deliveryTag: d.deliveryTag)
            return
        }
        let chunk: ChunkMessage
        do {
            chunk = try ChunkMessage.decode(d.body)
        } catch {
            try deadLetter(d, reason: "\(error)", on: c)
            metrics.chunkDeadLettered()
            return
        }
        if cancelledRuns.contains(chunk.runId) {
            try c.ack(channel: d.channel, deliveryTag: d.deliveryTag)
            metrics.chunkCancelled()
            return
        }
        // Tell the coordinator the chunk is taken: its timeout clock starts now, not at publish.
        let started = StartedMessage(runId: chunk.runId, chunkNo: chunk.chunkNo, attempt: chunk.attempt, worker: options.workerId)
        try publishResult(started.encode(), messageId: started.messageId, kind: .started, on: c)
        let faults = options.faults
        faults.beforeCompute(chunk)
        // Compute on another thread; keep servicing the connection (heartbeats) meanwhile.
        let box = ResultBox()
        let processor = self.processor
        let done = DispatchSemaphore(value: 0)
        Thread.detachNewThread {
            faults.pause()
            box.set(processor.process(chunk))
            done.signal()
        }
        // Wake the moment the compute ends; every 20 ms meanwhile, read what the broker sent.
        while done.wait(timeout: .now() + .milliseconds(20)) == .timedOut {
            try c.service(timeoutSeconds: 0.001)
        }
        let result = box.get()!
        if faults.forgeResults {
            let forged = FaultInjection.forged(result)
            try publishResult(forged.encode(), messageId: forged.messageId, kind: .result, on: c)
        }
        try publishResult(result.encode(), messageId: result.messageId, kind: .result, on: c)
        if faults.duplicateResults {
            try publishResult(result.encode(), messageId: result.messageId, kind: .result, on: c)
        }
        try c.waitForConfirms(channel: WorkerLoop.publishChannel)
        try c.ack(channel: d.channel, deliveryTag: d.deliveryTag)
        chunksDone += 1
        metrics.chunkProcessed(result, modelsCached: processor.cachedModels)
        logger.debug("chunk done", metadata: [LogKey.run: "\(chunk.runId)", LogKey.chunk: "\(chunk.chunkNo)", "symbols": "\(chunk.series.count)",
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
        logger.error("dead-lettering a message", metadata: [LogKey.reason: "\(reason)", LogKey.messageId: "\(d.properties.messageId ?? "-")"])
        var props = d.properties
        props.headers["x-closebell-error"] = .string(reason)
        props.headers["x-closebell-worker"] = .string(options.workerId)
        props.headers["x-closebell-source-queue"] = .string(options.topology.chunkQueue)
        try c.publish(channel: WorkerLoop.publishChannel, exchange: options.topology.deadLetterExchange, routingKey: "", body: d.body, properties: props)
        try c.waitForConfirms(channel: WorkerLoop.publishChannel)
        try c.ack(channel: d.channel, deliveryTag: d.deliveryTag)
    }
}

/// Hands the compute thread's result to the connection's thread.
final class ResultBox: Sendable {
    private let value = Mutex<ResultMessage?>(nil)
    func set(_ v: ResultMessage) { value.withLock { $0 = v } }
    func get() -> ResultMessage? { value.withLock { $0 } }
}
