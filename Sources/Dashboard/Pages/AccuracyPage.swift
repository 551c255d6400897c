import ClosebellStorage
import Foundation
import Hummingbird

/// Each model's rolling 20-day hit rate and MAE as a server-rendered SVG chart, and the recent
/// degradation alerts.
struct AccuracyPage {
    let service: DashboardService

    func render(_ identity: DashboardIdentity) async throws -> Response {
        let v = try await service.accuracy()
        var body = "<p class=\"legend\">Rolling over each model's last 20 trading days with outcomes, from \(v.from). "
            + "<span class=\"swatch-hit\">■ hit rate</span> (left axis, 0–100 %), "
            + "<span class=\"swatch-mae\">■ MAE</span> (right axis, percentage points).</p>"
        if v.models.isEmpty {
            body += HTML.message("No accuracy yet: predictions get outcomes once the next day's data is ingested.",
                                 kind: "note")
        }
        for m in v.models {
            let last = m.series.last!
            let baseline = last.baselineMAE120.map { ", 120-day baseline MAE \(HTML.number($0, digits: 3))" } ?? ""
            body += "<h2>\(HTML.escape(m.modelKind)) <small>\(HTML.escape(String(m.modelHash.prefix(12))))</small></h2>"
                + "<p>Latest (\(last.asOf)): hit rate \(HTML.percent(last.hitRate20)), "
                + "MAE \(HTML.number(last.mae20, digits: 3))\(baseline), n = \(last.n20)</p>"
                + "<div class=\"chart\">\(Self.chart(m.series))</div>"
        }
        body += "<h2>Degradation alerts</h2>" + HTML.table(["Day", "Model", "Reasons", "Message"], v.alerts.map { a in
            "<tr><td>\(a.asOf)</td><td>\(HTML.escape(a.modelKind)) \(HTML.escape(String(a.modelHash.prefix(12))))</td>"
                + "<td>\(HTML.escape(a.reasons.joined(separator: ", ")))</td>"
                + "<td class=\"wrap\">\(HTML.escape(a.message))</td></tr>"
        }, empty: "No alert.")
        return HTML.page("Accuracy", path: "/accuracy", identity: identity, body: body)
    }

    /// Two lines over the days: hit rate on a fixed 0–1 scale, MAE on 0–max.
    static func chart(_ series: [RollingAccuracy]) -> String {
        let w = 800.0, h = 220.0, left = 44.0, right = 56.0, top = 10.0, bottom = 28.0
        let plotW = w - left - right, plotH = h - top - bottom
        let maxMAE = max(series.map(\.mae20).filter(\.isFinite).max() ?? 1, 1e-9) * 1.1
        func x(_ i: Int) -> Double {
            left + (series.count > 1 ? Double(i) / Double(series.count - 1) * plotW : plotW / 2)
        }
        func y(_ v: Double, _ top1: Double) -> Double { top + plotH - v / top1 * plotH }
        func line(_ values: [Double?], _ scale: Double, _ color: String) -> String {
            let pts = values.enumerated().compactMap { i, v in
                v.flatMap { $0.isFinite ? String(format: "%.1f,%.1f", x(i), y($0, scale)) : nil }
            }
            let points = pts.joined(separator: " ")
            return "<polyline fill=\"none\" stroke=\"\(color)\" stroke-width=\"2\" points=\"\(points)\"/>"
        }
        var svg = "<svg viewBox=\"0 0 \(Int(w)) \(Int(h))\" role=\"img\" aria-label=\"rolling hit rate and MAE\">"
        for t in [0.0, 0.5, 1.0] {
            let yy = y(t, 1)
            svg += "<line x1=\"\(left)\" x2=\"\(w - right)\" y1=\"\(yy)\" y2=\"\(yy)\" stroke=\"#d9dde5\"/>"
                + "<text x=\"\(left - 6)\" y=\"\(yy + 4)\" font-size=\"11\" text-anchor=\"end\" "
                + "fill=\"#1f5fbf\">\(Int(t * 100)) %</text>"
                + "<text x=\"\(w - right + 6)\" y=\"\(yy + 4)\" font-size=\"11\" "
                + "fill=\"#c2410c\">\(HTML.number(maxMAE * t, digits: 2))</text>"
        }
        svg += line(series.map(\.hitRate20), 1, "#1f5fbf") + line(series.map { $0.mae20 }, maxMAE, "#c2410c")
        if let first = series.first, let last = series.last {
            svg += "<text x=\"\(left)\" y=\"\(h - 8)\" font-size=\"11\" fill=\"#5d6677\">\(first.asOf)</text>"
                + "<text x=\"\(w - right)\" y=\"\(h - 8)\" font-size=\"11\" text-anchor=\"end\" "
                + "fill=\"#5d6677\">\(last.asOf)</text>"
        }
        return svg + "</svg>"
    }
}
