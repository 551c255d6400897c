import ClosebellCore
import Foundation

/// Starts `coordinator` commands as child processes — the same code path cron uses, with its
/// lock, its exit code and its per-run log. A launched run is its own session (setsid): it keeps
/// going when the dashboard stops. Its stdout and stderr go to `<log dir>/launches/`.
///
/// Secrets (the database and broker URLs) reach the child through its environment, never its
/// command line, which `ps` shows to every user.
public struct CoordinatorLauncher: Sendable {
    /// The `coordinator` executable.
    public var executable: String
    /// Arguments after each subcommand's own (e.g. `--config FILE`).
    public var commonArguments: [String] = []
    /// Variables set in the child's environment over the dashboard's own.
    public var environment: [String: String] = [:]
    /// Where launches write their output.
    public var logDirectory: String
    /// How long a launch may take to plan its run before the request gives up waiting (the
    /// child goes on). Default 60 s.
    public var planTimeout: Duration = .seconds(60)

    public init(executable: String, logDirectory: String) {
        self.executable = executable
        self.logDirectory = logDirectory
    }

    /// A child that ended before it said its run id: its exit code and the end of its output.
    public struct Ended: Error, Sendable {
        public let exitCode: Int32
        public let output: String
    }

    /// Starts `subcommand arguments…` with `--run-id-file` and waits until the run is planned;
    /// returns its id. Throws ``Ended`` when the child ends first.
    public func startRun(_ subcommand: String, _ arguments: [String]) async throws -> Int64 {
        let dir = (logDirectory as NSString).appendingPathComponent("launches")
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let stamp = "\(Int(Date().timeIntervalSince1970 * 1000))-\(UInt32.random(in: 0...UInt32.max))"
        let idFile = (dir as NSString).appendingPathComponent("\(stamp).id")
        let output = (dir as NSString).appendingPathComponent("\(stamp)-\(subcommand).out")
        let child = try spawn([subcommand] + arguments + commonArguments + ["--run-id-file", idFile], output: output)
        defer {
            try? FileManager.default.removeItem(atPath: idFile)
            Self.reap(child)
        }
        let deadline = ContinuousClock.now + planTimeout
        while ContinuousClock.now < deadline {
            if let text = try? String(contentsOfFile: idFile, encoding: .utf8),
               let id = Int64(text.trimmingCharacters(in: .whitespacesAndNewlines)) {
                return id
            }
            if let code = child.exitStatus {
                // It may have written the id just before ending.
                if let text = try? String(contentsOfFile: idFile, encoding: .utf8),
                   let id = Int64(text.trimmingCharacters(in: .whitespacesAndNewlines)) { return id }
                throw Ended(exitCode: code, output: Self.tail(output))
            }
            try await Task.sleep(for: .milliseconds(40))
        }
        throw Ended(exitCode: -1, output: "the run was not planned within \(planTimeout); see \(output)")
    }

    /// Runs `subcommand arguments…` to its end (at most `timeout`); returns its exit code and output.
    public func runToEnd(_ subcommand: String, _ arguments: [String], timeout: Duration = .seconds(30)) async throws
        -> (exitCode: Int32, output: String) {
        let dir = (logDirectory as NSString).appendingPathComponent("launches")
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let output = (dir as NSString).appendingPathComponent(
            "\(Int(Date().timeIntervalSince1970 * 1000))-\(UInt32.random(in: 0...UInt32.max))-\(subcommand).out")
        let child = try spawn([subcommand] + arguments + commonArguments, output: output)
        defer {
            try? FileManager.default.removeItem(atPath: output)
            Self.reap(child)
        }
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if let code = child.exitStatus { return (code, Self.tail(output)) }
            try await Task.sleep(for: .milliseconds(20))
        }
        return (-1, "`coordinator \(subcommand)` did not finish within \(timeout)")
    }

    /// The last `limit` bytes of a file (empty when there is none).
    static func tail(_ path: String, limit: Int = 4096) -> String {
        guard let h = FileHandle(forReadingAtPath: path) else { return "" }
        defer { try? h.close() }
        let size = (try? h.seekToEnd()) ?? 0
        try? h.seek(toOffset: size > UInt64(limit) ? size - UInt64(limit) : 0)
        return String(decoding: (try? h.readToEnd()) ?? Data(), as: UTF8.self)
    }

    /// Starts a child in a session of its own with the launcher's environment over ours.
    func spawn(_ arguments: [String], output: String) throws -> ChildProcess {
        var env = ProcessInfo.processInfo.environment
        for (k, v) in environment { env[k] = v }
        do {
            return try ChildProcess(executable, arguments, environment: env, outputPath: output, newSession: true)
        } catch {
            throw Ended(exitCode: -1, output: "\(error.localizedDescription)")
        }
    }

    /// Reaps a child the caller stopped watching, on a thread of its own, so it never lingers
    /// as a zombie.
    static func reap(_ child: ChildProcess) {
        Thread.detachNewThread { child.wait() }
    }
}
