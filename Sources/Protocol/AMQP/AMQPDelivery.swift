/// A message delivered to a consumer, copied out of the client library's buffers.
public struct AMQPDelivery: Sendable {
    public let channel: UInt16
    public let deliveryTag: UInt64
    public let redelivered: Bool
    public let exchange: String
    public let routingKey: String
    public let body: [UInt8]
    public let properties: AMQPMessageProperties

    /// How often the broker delivered this message before (quorum queues set `x-delivery-count`).
    public var previousDeliveries: Int {
        Int(properties.headers["x-delivery-count"]?.intValue ?? (redelivered ? 1 : 0))
    }
}

/// The message properties Closebell uses. Messages are always persistent.
public struct AMQPMessageProperties: Sendable, Equatable {
    public var messageId: String?
    public var type: String?
    public var contentType: String?
    public var headers: [String: AMQPValue]

    public init(messageId: String? = nil, type: String? = nil, contentType: String? = nil, headers: [String: AMQPValue] = [:]) {
        self.messageId = messageId
        self.type = type
        self.contentType = contentType
        self.headers = headers
    }
}

/// A mandatory message the broker could not route to any queue.
public struct AMQPReturnedMessage: Sendable {
    public let replyCode: UInt16
    public let replyText: String
    public let exchange: String
    public let routingKey: String
    public let messageId: String?
}

/// Depth and consumers of one queue, as a passive declare reports them.
public struct AMQPQueueInfo: Sendable, Equatable {
    public let name: String
    /// Messages ready for delivery (not counting unacknowledged ones).
    public let ready: Int
    public let consumers: Int

    public init(name: String, ready: Int, consumers: Int) {
        self.name = name
        self.ready = ready
        self.consumers = consumers
    }
}
