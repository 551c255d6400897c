import ClosebellStorage
import Foundation

/// One notification: what happened, a title, the lines that say it, a link to the dashboard.
public struct Notice: Sendable, Equatable {
    /// What a notice is about (the setting `notify.events` picks which are sent).
    public enum Event: String, CaseIterable, Sendable {
        case completed
        case completedWithFailures = "completed_with_failures"
        case failed
        case cancelled
        case degraded

        /// The event a finished run's status gives (nil: the run has not finished).
        public init?(status: RunStatus) {
            switch status {
            case .completed: self = .completed
            case .completedWithFailures: self = .completedWithFailures
            case .failed: self = .failed
            case .cancelled: self = .cancelled
            case .queued, .running: return nil
            }
        }
    }

    public let event: Event
    public let title: String
    public let lines: [String]
    public let link: String?

    public init(event: Event, title: String, lines: [String], link: String? = nil) {
        self.event = event
        self.title = title
        self.lines = lines
        self.link = link
    }

    /// Title, lines and link as plain text.
    public var text: String { ([title] + lines + (link.map { ["Run page: \($0)"] } ?? [])).joined(separator: "\n") }

    /// A finished run: its date or range, counts, duration, symbols/s, the first failed symbols
    /// with their stage and error, and its dashboard page when `baseURL` is set.
    public static func run(_ r: RunRecord, seconds: Double?,
                           failures: [(symbol: String, day: String, stage: String, error: String)],
                           baseURL: String?) -> Notice? {
        guard let event = Event(status: r.status) else { return nil }
        let days = r.firstDay.map { "\($0) to \(r.asOf)" } ?? r.asOf.description
        let status = r.status.rawValue.replacingOccurrences(of: "_", with: " ")
        var lines = ["Market \(r.market), \(r.firstDay == nil ? "date" : "range") \(days).",
                     "\(r.total) \(r.firstDay == nil ? "symbols" : "symbol-days"): \(r.succeeded) succeeded, \(r.failed) failed, "
                     + "\(r.skipped) skipped."]
        if let seconds, seconds > 0 {
            lines.append(String(format: "Took %.1f s, %.0f symbols/s.", seconds, Double(r.processed) / seconds))
        }
        if let e = r.error { lines.append("Error: \(e)") }
        if !failures.isEmpty {
            lines.append("First failed symbols:")
            lines += failures.map { "  \($0.symbol) \($0.day) at \($0.stage): \($0.error)" }
        }
        let link = baseURL.map { $0.hasSuffix("/") ? String($0.dropLast()) : $0 }.map { "\($0)/runs/\(r.id)" }
        return Notice(event: event, title: "Closebell run \(r.id) (\(r.market) \(days)): \(status)", lines: lines, link: link)
    }

    /// An accuracy alert.
    public static func degraded(_ a: AlertRecord, baseURL: String?) -> Notice {
        let link = baseURL.map { $0.hasSuffix("/") ? String($0.dropLast()) : $0 }.map { "\($0)/accuracy" }
        return Notice(event: .degraded, title: "Closebell: accuracy of \(a.modelKind) degraded as of \(a.asOf)",
                      lines: [a.message], link: link)
    }
}
