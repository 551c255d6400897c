import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A child process started with `posix_spawn`, for tests and benchmarks that run workers
/// and scripts as real processes (and kill them with signals).
public final class ChildProcess: @unchecked Sendable {
    public let pid: pid_t
    private var status: Int32?

    /// Starts `executable` with `arguments`. Output goes to `outputPath` (appended) or is inherited.
    /// With `newSession` the child leads a session of its own (setsid), so signals meant for the
    /// parent's terminal or service (Ctrl-C, a stop) do not reach it.
    public init(_ executable: String, _ arguments: [String], environment: [String: String]? = nil, outputPath: String? = nil,
                newSession: Bool = false) throws {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        if let outputPath {
            posix_spawn_file_actions_addopen(&actions, 1, outputPath, O_WRONLY | O_CREAT | O_APPEND, 0o644)
            posix_spawn_file_actions_adddup2(&actions, 1, 2)
        }
        let argv: [UnsafeMutablePointer<CChar>?] = ([executable] + arguments).map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        let env = (environment ?? ProcessInfo.processInfo.environment).map { "\($0.key)=\($0.value)" }
        let envp: [UnsafeMutablePointer<CChar>?] = env.map { strdup($0) } + [nil]
        defer { envp.forEach { free($0) } }
        // The child starts with no blocked signals and default handlers, whatever the calling
        // thread had (test runners block some), so SIGTERM reaches it.
        var attr = posix_spawnattr_t()
        posix_spawnattr_init(&attr)
        defer { posix_spawnattr_destroy(&attr) }
        var empty = sigset_t(), defaults = sigset_t()
        sigemptyset(&empty)
        sigemptyset(&defaults)
        for sig in [SIGTERM, SIGINT, SIGPIPE, SIGCHLD, SIGHUP, SIGUSR1, SIGUSR2] { sigaddset(&defaults, sig) }
        posix_spawnattr_setsigmask(&attr, &empty)
        posix_spawnattr_setsigdefault(&attr, &defaults)
        // POSIX_SPAWN_SETSID is 0x80 in glibc (≥ 2.26); Swift's Glibc module does not export it.
        let setsid: Int32 = newSession ? 0x80 : 0
        posix_spawnattr_setflags(&attr, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF | setsid))
        var pid: pid_t = 0
        let rc = posix_spawn(&pid, executable, &actions, &attr, argv, envp)
        guard rc == 0 else {
            throw NSError(domain: "ChildProcess", code: Int(rc), userInfo: [NSLocalizedDescriptionKey: "cannot start \(executable): \(String(cString: strerror(rc)))"])
        }
        self.pid = pid
    }

    /// Runs a command to completion and returns its exit status.
    @discardableResult
    public static func run(_ executable: String, _ arguments: [String], outputPath: String? = nil) throws -> Int32 {
        try ChildProcess(executable, arguments, outputPath: outputPath).wait()
    }

    /// Sends a signal (SIGKILL, SIGTERM, …).
    public func signal(_ sig: Int32) { kill(pid, sig) }

    /// Waits for exit; returns the exit status, or 128+signal when killed by a signal.
    @discardableResult
    public func wait() -> Int32 {
        if let status { return status }
        var raw: Int32 = 0
        while waitpid(pid, &raw, 0) == -1 && errno == EINTR {}
        let s = (raw & 0x7f) == 0 ? (raw >> 8) & 0xff : 128 + (raw & 0x7f)
        status = s
        return s
    }

    /// The exit status once it has exited (see ``wait()``), without blocking; nil while it runs.
    public var exitStatus: Int32? { hasExited ? status : nil }

    /// Whether it has exited, without blocking.
    public var hasExited: Bool {
        if status != nil { return true }
        var raw: Int32 = 0
        let r = waitpid(pid, &raw, WNOHANG)
        if r == pid {
            status = (raw & 0x7f) == 0 ? (raw >> 8) & 0xff : 128 + (raw & 0x7f)
            return true
        }
        return false
    }
}
