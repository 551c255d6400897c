import Foundation
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

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
        defer { try? FileManager.default.removeItem(atPath: idFile) }
        let deadline = ContinuousClock.now + planTimeout
        while ContinuousClock.now < deadline {
            if let text = try? String(contentsOfFile: idFile, encoding: .utf8),
               let id = Int64(text.trimmingCharacters(in: .whitespacesAndNewlines)) {
                return id
            }
            if let code = child.exitCode {
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
        defer { try? FileManager.default.removeItem(atPath: output) }
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if let code = child.exitCode { return (code, Self.tail(output)) }
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

    /// A started child; a GCD thread waits for it, so it never lingers as a zombie.
    final class Child: Sendable {
        let pid: pid_t
        private let status = Mutex<Int32?>(nil)
        init(pid: pid_t) { self.pid = pid }
        var exitCode: Int32? { status.withLock { $0 } }
        func ended(_ code: Int32) { status.withLock { $0 = code } }
    }

    func spawn(_ arguments: [String], output: String) throws -> Child {
        var env = ProcessInfo.processInfo.environment
        for (k, v) in environment { env[k] = v }
        let argv = [executable] + arguments
        var actions = posix_spawn_file_actions_t()
        var attributes = posix_spawnattr_t()
        posix_spawn_file_actions_init(&actions)
        posix_spawnattr_init(&attributes)
        defer {
            posix_spawn_file_actions_destroy(&actions)
            posix_spawnattr_destroy(&attributes)
        }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, output, O_WRONLY | O_CREAT | O_APPEND, 0o640)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
        // POSIX_SPAWN_SETSID (glibc ≥ 2.26): a session of its own, so the dashboard's signals
        // (Ctrl-C in its terminal, its service stopping) do not reach the run.
        posix_spawnattr_setflags(&attributes, Int16(0x80))
        let cArgs = argv.map { strdup($0) } + [nil]
        let cEnv = env.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer {
            cArgs.forEach { free($0) }
            cEnv.forEach { free($0) }
        }
        var pid: pid_t = 0
        let rc = posix_spawn(&pid, executable, &actions, &attributes, cArgs, cEnv)
        guard rc == 0 else {
            throw Ended(exitCode: -1, output: "cannot start \(executable): \(String(cString: strerror(rc)))")
        }
        let child = Child(pid: pid)
        let started = pid
        DispatchQueue.global().async {
            var status: Int32 = 0
            while waitpid(started, &status, 0) == -1 && errno == EINTR {}
            let exited = status & 0x7f == 0
            child.ended(exited ? (status >> 8) & 0xff : 128 + (status & 0x7f))
        }
        return child
    }
}
