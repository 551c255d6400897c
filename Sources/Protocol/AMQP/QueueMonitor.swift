import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// Depth of one queue as operators watch it.
public struct QueueStats: Sendable, Equatable {
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
        guard status == 200, let data, let obj = try JSONSerialization.jsonObject(with: data) as? [String: Any] else {
            throw AMQPError(.library, "management API answered \(status) for \(queue)")
        }
        return QueueStats(name: queue, ready: obj["messages_ready"] as? Int ?? 0, unacked: obj["messages_unacknowledged"] as? Int ?? 0,
                          consumers: obj["consumers"] as? Int ?? 0)
    }
}

final class HTTPBox: @unchecked Sendable {
    private let lock = NSLock()
    private var data: Data?
    private var status = 0
    func set(_ d: Data?, _ s: Int) { lock.lock(); data = d; status = s; lock.unlock() }
    func get() -> (Data?, Int) { lock.lock(); defer { lock.unlock() }; return (data, status) }
}
