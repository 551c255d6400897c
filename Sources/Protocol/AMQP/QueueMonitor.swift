import Foundation
import Synchronization
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// Depth of one queue as operators watch it.
public struct QueueStats: Sendable, Equatable, Encodable {
    public let name: String
    public let ready: Int
    /// Delivered but not yet acknowledged (nil when only a passive declare was possible).
    public let unacked: Int?
    public let consumers: Int
}

/// Reads queue depth: ready, unacked and consumers from the RabbitMQ management API when its
/// URL is known (`CLOSEBELL_MANAGEMENT_URL`), else ready and consumers by passive declare.
public struct QueueMonitor: Sendable {
    public let amqpURL: AMQPURL
    public let managementURL: String?

    public init(amqpURL: AMQPURL, managementURL: String?) {
        self.amqpURL = amqpURL
        self.managementURL = managementURL
    }

    public func stats(_ queues: [String]) throws -> [QueueStats] {
        if let m = managementURL, let viaHTTP = try? queues.map({ try http($0, base: m) }) { return viaHTTP }
        let c = try AMQPConnection(url: amqpURL)
        defer { c.close() }
        return queues.map { q in
            if let i = try? c.queueInfo(q) { return QueueStats(name: q, ready: i.ready, unacked: nil, consumers: i.consumers) }
            return QueueStats(name: q, ready: 0, unacked: nil, consumers: 0)
        }
    }

    func http(_ queue: String, base: String) throws -> QueueStats {
        let vhost = amqpURL.vhost.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "%2F"
        let name = queue.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? queue
        guard let url = URL(string: "\(base)/api/queues/\(vhost)/\(name)") else { throw AMQPError(.invalidURL, "bad management URL \(base)") }
        var req = URLRequest(url: url, timeoutInterval: 3)
        let auth = Data("\(amqpURL.user):\(amqpURL.password)".utf8).base64EncodedString()
        req.setValue("Basic \(auth)", forHTTPHeaderField: "Authorization")
        let box = HTTPBox()
        let sem = DispatchSemaphore(value: 0)
        URLSession.shared.dataTask(with: req) { data, resp, _ in
            box.set(data, (resp as? HTTPURLResponse)?.statusCode ?? 0)
            sem.signal()
        }.resume()
        _ = sem.wait(timeout: .now() + 4)
        let (data, status) = box.get()
        guard status == 200, let data, let q = try? JSONDecoder().decode(ManagementQueue.self, from: data) else {
            throw AMQPError(.library, "management API answered \(status) for \(queue)")
        }
        return QueueStats(name: queue, ready: q.messages_ready ?? 0, unacked: q.messages_unacknowledged ?? 0,
                          consumers: q.consumers ?? 0)
    }
}

/// The fields of the management API's queue object that the monitor reads.
struct ManagementQueue: Decodable {
    // swiftlint:disable identifier_name
    let messages_ready: Int?
    let messages_unacknowledged: Int?
    let consumers: Int?
}

/// Hands an HTTP answer from URLSession's thread to the waiting caller.
final class HTTPBox: Sendable {
    private let value = Mutex<(Data?, Int)>((nil, 0))
    func set(_ d: Data?, _ s: Int) { value.withLock { $0 = (d, s) } }
    func get() -> (Data?, Int) { value.withLock { $0 } }
}
