import ClosebellCore
import ClosebellStorage
import Foundation
import Testing

/// The shipped crontab's job, run as cron runs it: `env -i` with only the crontab's variables
/// (cron's PATH, `/bin/sh`), against the local servers. Its exit code is the job's — completed,
/// a rejected file, a server away — and the missed days are caught up.
@Suite("Cron: the crontab's job under cron's environment", .serialized,
       .enabled(if: TestServers.shouldRun, TestServers.skipReason))
struct CronTests {
    /// The crontab's `NAME=value` lines and its one job's command.
    static func crontab() throws -> (env: [(String, String)], command: String) {
        let path = TestServers.root.appendingPathComponent("ops/cron/closebell.crontab").path
        var env: [(String, String)] = [], commands: [String] = []
        for raw in try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n") {
            let line = raw.trimmingCharacters(in: .whitespaces)
            if line.isEmpty || line.hasPrefix("#") { continue }
            if let eq = line.firstIndex(of: "="), line[..<eq].allSatisfy({ $0.isUppercase || $0 == "_" }) {
                env.append((String(line[..<eq]), String(line[line.index(after: eq)...])))
            } else {
                let fields = line.split(separator: " ", omittingEmptySubsequences: true)
                #expect(fields.count > 5, "a job line has five schedule fields and a command: \(line)")
                commands.append(fields.dropFirst(5).joined(separator: " "))
            }
        }
        #expect(commands.count == 1)
        return (env, try #require(commands.first))
    }

    /// Runs the job under cron's environment, the install paths pointing into `dir`.
    static func runJob(_ c: Cluster, dir: String, settings: [String: String]) throws -> Int32 {
        let bin = dir + "/bin"
        try? FileManager.default.createDirectory(atPath: bin, withIntermediateDirectories: true)
        for (name, target) in [("coordinator", Cluster.bin + "/coordinator"),
                               ("closebell-daily", TestServers.root.appendingPathComponent("ops/cron/closebell-daily").path)]
            where !FileManager.default.fileExists(atPath: "\(bin)/\(name)") {
            try FileManager.default.createSymbolicLink(atPath: "\(bin)/\(name)", withDestinationPath: target)
        }
        let envFile = dir + "/env"
        try settings.sorted { $0.key < $1.key }.map { "\($0.key)='\($0.value)'" }.joined(separator: "\n")
            .write(toFile: envFile, atomically: true, encoding: .utf8)
        let (vars, command) = try crontab()
        var args = ["-i", "HOME=/root", "LOGNAME=root"]
        for (k, v) in vars {
            let value = v.replacingOccurrences(of: "/usr/local/bin", with: bin)
                .replacingOccurrences(of: "/etc/closebell/env", with: envFile)
            args.append("\(k)=\(value)")
        }
        return try ChildProcess.run("/usr/bin/env", args + ["/bin/sh", "-c", command], outputPath: dir + "/cron-mail.txt")
    }

    @Test("exit 0 and the two missed days predicted; a rejected file gives 2; PostgreSQL away gives 1")
    func cronJob() throws {
        let c = try Cluster(symbols: 30, days: 30)
        let days = try c.db().query("SELECT DISTINCT trading_date::text FROM ohlcv ORDER BY 1 DESC LIMIT 3").rows
            .map { $0[0]! }
        try c.startWorkers(2)
        #expect(try c.coordinator(["run", "--date", days[2]]) == 0)  // the last day cron ran before
        let dir = c.dir + "/cron"
        let log = dir + "/daily.log"
        var settings = ["CLOSEBELL_DATABASE_URL": c.databaseURL, "CLOSEBELL_AMQP_URL": TestServers.amqpURLString,
                        "CLOSEBELL_TOPOLOGY_PREFIX": c.topology.prefix, "CLOSEBELL_MODELS": c.dir + "/models",
                        "CLOSEBELL_LOG_DIR": c.dir + "/logs", "CLOSEBELL_INCOMING": c.dir + "/data",
                        "CLOSEBELL_DAILY_LOG": log, "CLOSEBELL_DELIVERY_LIMIT": String(c.deliveryLimit),
                        "CLOSEBELL_RUN_WINDOW_CACHE": c.dir + "/window-cache"]
        #expect(try Self.runJob(c, dir: dir, settings: settings) == 0)
        let done = try c.db().query("""
            SELECT as_of_date::text FROM runs WHERE status = 'completed' ORDER BY as_of_date
            """).rows.map { $0[0]! }
        #expect(done == [days[2], days[1], days[0]])
        // Each day's run kept its windows for the next (the second day's run read one day).
        #expect(FileManager.default.fileExists(atPath: c.dir + "/window-cache/nepse.windows"))
        let kept = try Regex("[1-9][0-9]* of [0-9]+ days kept from the last run")
        #expect(try String(contentsOfFile: log, encoding: .utf8).contains(kept),
                "no run took its windows from the file")
        let text = try String(contentsOfFile: log, encoding: .utf8)
        #expect(text.contains("== closebell-daily exit 0"), "\(text)")
        // Nothing reached cron's mail: everything went to the log.
        #expect((try? String(contentsOfFile: dir + "/cron-mail.txt", encoding: .utf8))?.isEmpty ?? true)

        // A file that cannot be read is reported; the exit code says so; nothing else changes.
        try "not,a,daily,file\n".write(toFile: c.dir + "/data/nepse_20991231.csv", atomically: true, encoding: .utf8)
        #expect(try Self.runJob(c, dir: dir, settings: settings) == 2)
        #expect(try String(contentsOfFile: log, encoding: .utf8).contains("nepse_20991231.csv"))

        // The database away: the job fails, and says so.
        settings["CLOSEBELL_DATABASE_URL"] = "postgresql://nobody:wrong@127.0.0.1:1/none"
        #expect(try Self.runJob(c, dir: dir, settings: settings) == 1)
        #expect(!(try String(contentsOfFile: log, encoding: .utf8)).contains("nobody:wrong"))
    }
}
