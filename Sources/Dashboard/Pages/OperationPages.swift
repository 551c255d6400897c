import Foundation
import Hummingbird

/// Launch, queues and workers, export, and sign-in.
struct OperationPages {
    let service: DashboardService

    func launch(_ identity: DashboardIdentity) async -> Response {
        let disabled = identity.role?.mayOperate == true ? "" : " disabled"
        let note = identity.role?.mayOperate == true ? ""
            : HTML.message("The viewer role can look and export; launching needs the admin role.", kind: "note")
        // The latest trading day with data: what an operator launches most.
        let latest = (try? await service.db.read {
            try $0.query("SELECT max(trading_date)::text FROM ingested_files WHERE rows_loaded > 0").scalar
        }) ?? nil
        let today = latest ?? String(Date().description.prefix(10))
        let models = HTML.escape(service.options.defaultModels)
        let body = note + """
            <form id="launch" class="card"><fieldset class="row" \(disabled)>
            <label><span><input type="radio" name="mode" value="date" checked> One date</span></label>
            <label><span><input type="radio" name="mode" value="range"> A range (backfill)</span></label></fieldset>
            <label class="when-date">Date<input type="date" name="date" value="\(today)"\(disabled)></label>
            <div class="row when-range"><label>From<input type="date" name="from"\(disabled)></label>
            <label>To<input type="date" name="to"\(disabled)></label></div>
            <label>Symbols (empty: all; or a list, comma- or space-separated)\
            <textarea name="symbols"\(disabled)></textarea></label>
            <label><span>\
            <input type="checkbox" name="only_unpredicted" value="1"\(disabled)> Only symbols without a prediction yet\
            </span></label>
            <div class="row"><label>Chunk size (empty: chosen for the run)\
            <input type="number" name="chunk_size" min="0" max="100000"\(disabled)></label>
            <label>Priority<select name="priority"\(disabled)>\
            <option>normal</option><option>high</option></select></label></div>
            <label>Model store (as the workers see it)\
            <input type="text" name="models" value="\(models)"\(disabled)></label>
            <p id="launch-error" class="msg error hidden" role="alert"></p>
            <div><button type="submit"\(disabled)>Start</button></div>
            <p class="legend">Starts <code>\
            coordinator run</code> (or <code>backfill</code>) as its own process, as cron does:
            the same lock, exit code and per-run log. It keeps going if the dashboard stops.</p></form>
            """
        return HTML.page("Launch", path: "/launch", identity: identity, body: body)
    }

    func queues(_ identity: DashboardIdentity) async throws -> Response {
        let v = try await service.queues()
        var body = "<div data-refresh=\"5\"></div><p class=\"legend\">Refreshed every 5 s.</p>"
        if let e = v.brokerError { body += HTML.message(e) }
        body += "<h2>Queues</h2>" + HTML.table(["Queue", "Ready", "Unacked", "Consumers"], v.queues.map { q in
            "<tr><td>\(HTML.escape(q.name))\(q.deadLetter ? " (dead letters)" : "")</td><td>\(q.ready)</td>"
                + "<td>\(q.unacked.map(String.init) ?? "?")</td><td>\(q.consumers)</td></tr>"
        }, id: "queues", empty: "No queue figures.")
        body += "<h2>Workers seen in the last \(v.windowMinutes) minutes</h2>" + HTML.table(
            ["Worker", "Chunks", "Entries", "Compute", "Entries/s of compute", "Last chunk"], v.workers.map { w in
                "<tr><td>\(HTML.escape(w.worker))</td><td>\(w.chunks)</td><td>\(w.entries)</td>"
                    + "<td>\(HTML.duration(w.computeSeconds))</td><td>\(HTML.number(w.throughput, digits: 0))</td>"
                    + "<td>\(HTML.time(w.lastSeen))</td></tr>"
            }, id: "workers", empty: "No worker finished a chunk in that time.")
        return HTML.page("Queues & workers", path: "/queues", identity: identity, body: body)
    }

    func export(_ identity: DashboardIdentity) -> Response {
        let body = """
            <form class="card" method="get" action="/api/v1/export" id="export">
            <div class="row"><label>From<input type="date" name="from" required></label>
            <label>To<input type="date" name="to" required></label>
            <label>Format<select name="format">\
            <option value="csv">CSV</option><option value="parquet">Parquet</option></select></label></div>
            <label>Symbols (empty: all)<input type="text" name="symbols"></label>
            <div><button type="submit">Download</button></div>
            <p class="legend">\
            Columns: market, symbol, as-of and target date, predicted return, model, run. CSV follows RFC 4180;
            Parquet opens in pandas, pyarrow, DuckDB and Spark.</p></form>
            """
        return HTML.page("Export", path: "/export", identity: identity, body: body)
    }

    func login(_ identity: DashboardIdentity, next: String, error: String? = nil,
               status: HTTPResponse.Status = .ok) -> Response {
        let body = (error.map { HTML.message($0) } ?? "") + """
            <form class="card" method="post" action="/login">
            <input type="hidden" name="_csrf" value="\(identity.csrfToken ?? "")">
            <input type="hidden" name="next" value="\(HTML.escape(next))">
            <label>Password\
            <input type="password" name="password" autocomplete="current-password" required autofocus></label>
            <div><button type="submit">Sign in</button></div></form>
            """
        return HTML.page("Sign in", path: "/login", identity: DashboardIdentity(csrfToken: identity.csrfToken),
                         status: status, body: body)
    }

    /// Where to go after signing in: a local path only (never another site).
    static func safeNext(_ raw: String?) -> String {
        guard let raw, raw.hasPrefix("/"), !raw.hasPrefix("//"), !raw.contains("\\"), raw.count < 512 else {
            return "/"
        }
        return raw
    }
}
