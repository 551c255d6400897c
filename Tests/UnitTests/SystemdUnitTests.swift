import Foundation
import Testing

/// The shipped systemd units pass `systemd-analyze verify` (the service's ExecStart pointed at
/// the repository's closebell-daily, as an install would place it), and the timer fires when
/// the crontab does.
@Suite("systemd units", .enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/systemd-analyze"),
                                 "needs systemd-analyze (Debian's systemd package)"))
struct SystemdUnitTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    static func run(_ args: [String], in dir: String) throws -> (Int32, String) {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/systemd-analyze")
        p.arguments = args
        p.currentDirectoryURL = URL(fileURLWithPath: dir)
        let out = Pipe()
        p.standardOutput = out
        p.standardError = out
        try p.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return (p.terminationStatus, String(decoding: data, as: UTF8.self))
    }

    @Test("systemd-analyze verify accepts the services and the timer; a broken timer is refused")
    func verify() throws {
        let dir = NSTemporaryDirectory() + "closebell-units-\(UUID().uuidString.prefix(6))"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let units = Self.root.appendingPathComponent("ops/systemd")
        let daily = Self.root.appendingPathComponent("ops/cron/closebell-daily").path
        let service = try String(contentsOf: units.appendingPathComponent("closebell-daily.service"), encoding: .utf8)
        #expect(service.contains("ExecStart=/usr/local/bin/closebell-daily"))
        try service.replacingOccurrences(of: "/usr/local/bin/closebell-daily", with: daily)
            .write(toFile: dir + "/closebell-daily.service", atomically: true, encoding: .utf8)
        let timer = try String(contentsOf: units.appendingPathComponent("closebell-daily.timer"), encoding: .utf8)
        try timer.write(toFile: dir + "/closebell-daily.timer", atomically: true, encoding: .utf8)
        let (code, out) = try Self.run(["verify", "closebell-daily.service", "closebell-daily.timer"], in: dir)
        #expect(code == 0 && out.isEmpty, "\(out)")
        // The resident coordinator's unit, its coordinator the one built here.
        let watch = try String(contentsOf: units.appendingPathComponent("closebell-watch.service"), encoding: .utf8)
        #expect(watch.contains("ExecStart=/usr/local/bin/coordinator watch --inbox"))
        let built = Self.root.appendingPathComponent(".build/debug/coordinator").path
        try watch.replacingOccurrences(of: "/usr/local/bin/coordinator", with: built)
            .replacingOccurrences(of: "EnvironmentFile=/etc/closebell/env", with: "EnvironmentFile=-/etc/closebell/env")
            .write(toFile: dir + "/closebell-watch.service", atomically: true, encoding: .utf8)
        if FileManager.default.isExecutableFile(atPath: built) {
            let (w, said) = try Self.run(["verify", "closebell-watch.service"], in: dir)
            #expect(w == 0 && said.isEmpty, "\(said)")
        }

        // The check has teeth: a schedule systemd cannot parse is refused.
        try timer.replacingOccurrences(of: "Sun,Mon..Thu", with: "Sun..Thu")
            .write(toFile: dir + "/closebell-daily.timer", atomically: true, encoding: .utf8)
        let (bad, why) = try Self.run(["verify", "closebell-daily.service", "closebell-daily.timer"], in: dir)
        #expect(bad != 0 && why.contains("calendar"), "\(why)")
    }

    @Test("the timer and the crontab agree: Sunday to Thursday, 15:30 Asia/Kathmandu")
    func schedule() throws {
        let timer = try String(contentsOf: Self.root.appendingPathComponent("ops/systemd/closebell-daily.timer"),
                               encoding: .utf8)
        let spec = try #require(timer.split(separator: "\n").first { $0.hasPrefix("OnCalendar=") }).dropFirst(11)
        let (code, out) = try Self.run(["calendar", String(spec)], in: NSTemporaryDirectory())
        #expect(code == 0 && out.contains("Normalized form: Mon..Thu,Sun *-*-* 15:30:00 Asia/Kathmandu"), "\(out)")
        let crontab = try String(contentsOf: Self.root.appendingPathComponent("ops/cron/closebell.crontab"),
                                 encoding: .utf8)
        #expect(crontab.contains("CRON_TZ=Asia/Kathmandu") && crontab.contains("30 15 *   *   0-4  closebell-daily"))
    }
}
