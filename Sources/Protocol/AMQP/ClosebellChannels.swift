/// The AMQP channel numbers Closebell's processes use, named once. Channel 1
/// (``AMQPConnection/controlChannel``) is for declarations and passive look-ups.
public enum ClosebellChannels {
    /// Publishing with confirms (chunks, results, cancels, dead letters).
    public static let publish: UInt16 = 2
    /// Consuming the role's main queue (chunks on a worker, results on the coordinator).
    public static let consume: UInt16 = 3
    /// Consuming the second queue (a worker's control queue, the coordinator's dead letters).
    public static let secondary: UInt16 = 4
    /// Consuming the high-priority chunk queue (a worker).
    public static let priority: UInt16 = 5
}
