import ClosebellCore
import ClosebellCoordinator
import ClosebellStorage
import Foundation
import Testing

/// Secrets, odd options and odd symbols at the edges of the system.
@Suite("Secrets, requests and symbols at the edges")
struct TrustBoundaryTests {
    @Test("every form of a password is redacted", arguments: [
        "postgresql://closebell:S3cr3t-pw@db:5432/closebell",
        "postgresql://closebell@db:5432/closebell?password=S3cr3t-pw&sslmode=require",
        "postgresql://db/closebell?sslmode=require&password=S3cr3t-pw",
        "host=db port=5432 user=closebell password=S3cr3t-pw dbname=closebell",
        "host=db password='S3cr3t-pw with spaces' dbname=closebell",
        "host=db PASSWORD = S3cr3t-pw",
        "host=db sslpassword=S3cr3t-pw",
        "amqp://worker:S3cr3t-pw@rabbit:5672/%2F",
        "postgresql://u:S3cr3t@pw@db/x",
    ])
    func redaction(url: String) {
        let shown = PGConnection.redact(url)
        #expect(!shown.contains("S3cr3t"), "\(shown)")
        #expect(shown.contains("***"))
    }

    @Test("a connection failure never prints the password, whatever the URL's form")
    func connectErrorRedacted() {
        for url in ["host=127.0.0.1 port=1 user=x password=S3cr3t-pw dbname=y connect_timeout=2",
                    "postgresql://x@127.0.0.1:1/y?password=S3cr3t-pw", "postgresql://x:S3cr3t-pw@127.0.0.1:1/y"] {
            do {
                _ = try PGConnection(url)
                Issue.record("connected to port 1?")
            } catch {
                #expect(!"\(error)".contains("S3cr3t"), "\(error)")
            }
        }
    }

    @Test("run requests with impossible settings are refused naming the flag", arguments: [
        ("chunk size -5", "--chunk-size -5"), ("timeout 0", "--timeout 0"),
        ("timeout -1", "--timeout -1"), ("max attempts 0", "--max-attempts 0"), ("backoff -1", "--backoff -1"),
        ("no symbols", "--symbols is empty"),
    ])
    func badRequests(name: String, expected: String) throws {
        var r = RunRequest(market: "nepse", asOf: Day(iso: "2025-06-26")!, modelStore: "/m")
        switch name {
        case "chunk size -5": r.chunkSize = -5
        case "timeout 0": r.timeoutSeconds = 0
        case "timeout -1": r.timeoutSeconds = -1
        case "max attempts 0": r.maxAttempts = 0
        case "backoff -1": r.backoffSeconds = -1
        case "no symbols": r.symbols = []
        default: Issue.record("unknown case"); return
        }
        let e = #expect(throws: RunRequestError.self) { try r.validate() }
        #expect(e?.description.contains(expected) == true, "\(e?.description ?? "")")
    }

    @Test("a run request round-trips through its stored JSON whole")
    func requestRoundTrip() throws {
        var r = RunRequest(market: "nse", asOf: Day(iso: "2025-06-26")!, modelStore: "/m")
        r.symbols = ["A B", "C\"D", "É"]
        r.timeoutSeconds = 7.5
        r.maxAttempts = 9
        r.backoffSeconds = 0.25
        r.parentRunId = 12
        r.fallbackOnly = true
        r.chunkSize = 50
        r.priority = .high
        r.firstDay = Day(iso: "2025-01-02")
        #expect(RunRequest.stored(r.json) == r)
        var other = r
        other.chunkSize = 7
        #expect(r.differences(from: other) == ["--chunk-size 7 (run: 50)"])
        other.chunkSize = 0  // chosen when planned: resuming with the default is no difference
        #expect(r.differences(from: other).isEmpty)
    }

    @Test("a symbol's model folder can never leave it, and distinct symbols get distinct folders")
    func modelFolders() {
        let symbols = ["ABC", "..", ".", "a/b", "_global", "A B", "Ü名", "%41", "A", "a", "NICA.P", "X_Y", "-"]
        let folders = symbols.map(ModelStore.folderName(for:))
        #expect(Set(folders).count == symbols.count)
        for f in folders {
            #expect(!f.contains("/") && f != "." && f != ".." && f != ModelStore.globalFolder && !f.hasPrefix("."), "\(f)")
        }
        #expect(ModelStore.folderName(for: "NICA") == "NICA")
        #expect(ModelStore.folderName(for: "X_Y") == "X_Y")
    }

    @Test("a model file edited in place, keeping its size and mtime, is loaded again; the hash is the new file's")
    func modelCacheKeysOnContent() throws {
        let dir = NSTemporaryDirectory() + "closebell-store-\(UUID().uuidString.prefix(8))"
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try FileManager.default.createDirectory(atPath: dir + "/_global", withIntermediateDirectories: true)
        let names = FeatureRegistry.standard.names
        func linear(_ b: String) -> String {
            let z = Array(repeating: "0", count: names.count).joined(separator: ",")
            let one = Array(repeating: "1", count: names.count).joined(separator: ",")
            return #"{"format":"linear","features":["# + names.map { "\"\($0)\"" }.joined(separator: ",")
                + #"],"mean":[\#(z)],"scale":[\#(one)],"coefficients":[\#(z)],"intercept":\#(b)}"#
        }
        let path = dir + "/_global/model.json"
        try linear("1.5").write(toFile: path, atomically: false, encoding: .utf8)
        let mtime = try FileManager.default.attributesOfItem(atPath: path)[.modificationDate] as! Date
        let store = ModelStore(root: dir)
        let first = try store.load(path)
        #expect(first.identity.hash == ContentHash.sha256Hex(Array(linear("1.5").utf8)))
        Thread.sleep(forTimeInterval: 0.02)
        // Same length, same mtime: only the change time tells.
        let h = try #require(FileHandle(forWritingAtPath: path))
        h.write(Data(linear("2.5").utf8))
        try h.close()
        try FileManager.default.setAttributes([.modificationDate: mtime], ofItemAtPath: path)
        let second = try store.load(path)
        #expect(second.identity.hash == ContentHash.sha256Hex(Array(linear("2.5").utf8)))
        #expect(second.identity.hash != first.identity.hash)
    }

    @Test("model store inventory: missing, empty, or holding models")
    func inventory() throws {
        let dir = NSTemporaryDirectory() + "closebell-inv-\(UUID().uuidString.prefix(8))"
        defer { try? FileManager.default.removeItem(atPath: dir) }
        #expect(ModelStore.inventory(root: dir) == .missing)
        try FileManager.default.createDirectory(atPath: dir + "/ABC", withIntermediateDirectories: true)
        #expect(ModelStore.inventory(root: dir) == .empty)
        try "{}".write(toFile: dir + "/ABC/model.json", atomically: true, encoding: .utf8)
        #expect(ModelStore.inventory(root: dir) == .models)
    }
}
