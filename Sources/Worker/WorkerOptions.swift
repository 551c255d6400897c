import ClosebellProtocol

/// Options of the consuming worker.
public struct WorkerOptions: Sendable {
    public var amqpURL: AMQPURL
    public var topology: ClosebellTopology
    public var prefetch: Int = 1
    public var heartbeatSeconds: Int = 30
    public var workerId: String
    /// Stop after this many chunks (0: never); for tests and benchmarks.
    public var maxChunks: Int = 0
    /// Faults to inject, for the fault tests. Default: none.
    public var faults = FaultInjection()

    public init(amqpURL: AMQPURL, topology: ClosebellTopology, workerId: String) {
        self.amqpURL = amqpURL
        self.topology = topology
        self.workerId = workerId
    }
}
