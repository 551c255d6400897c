import ClosebellStorage
import Foundation
import Hummingbird

/// Active runs, the history, and one run's detail.
struct RunPages {
    let service: DashboardService

    func active(_ identity: DashboardIdentity) async throws -> Response {
        let active = try await service.activeRuns()
        let operate = identity.role?.mayOperate == true
        let headers = ["Run", "Kind", "Days", "Status", "Progress", "Symbols/s", "ETA", "Chunks",
                       "OK / failed / skipped", ""]
        let body = "<p id=\"action-error\" class=\"msg error hidden\"></p>"
            + "<p class=\"legend\">Updated every 2 s (last: <span id=\"active-updated\">now</span>).</p>"
            + "<p id=\"active-error\" class=\"msg error hidden\"></p>"
            + HTML.table(headers, active.runs.map { Self.activeRow($0, operate: operate) }, id: "active",
                         empty: "No run is queued or running.")
            + "<h2>Finished in the last \(ActiveRuns.recentMinutes) minutes</h2>"
            + HTML.table(headers, active.recent.map { Self.activeRow($0, operate: false) }, id: "recent",
                         empty: "No run finished in that time.")
        return HTML.page("Active runs", path: "/", identity: identity, body: body)
    }

    /// One row of the Active runs tables (`app.js` renders the same from the API).
    static func activeRow(_ r: RunSummary, operate: Bool) -> String {
        let cancel = operate && !r.status.isFinished
            ? "<button class=\"danger\" data-action=\"cancel\" data-run=\"\(r.id)\">Cancel</button>" : ""
        return "<tr data-run=\"\(r.id)\"><td><a href=\"/runs/\(r.id)\">\(r.id)</a></td><td>\(r.kind.rawValue)</td>"
            + "<td>\(HTML.escape(r.days))</td><td class=\"status \(r.status)\">\(r.status)</td>"
            + "<td><progress max=\"100\" value=\"\(r.progress)\"></progress> "
            + "<span class=\"pct\">\(HTML.number(r.progress)) %</span></td>"
            + "<td>\(HTML.number(r.symbolsPerSecond, digits: 0))</td><td>\(HTML.duration(r.etaSeconds))</td>"
            + "<td>\(HTML.escape(chunkText(r.chunks)))</td>"
            + "<td>\(r.succeeded) / \(r.failed) / \(r.skipped)</td><td>\(cancel)</td></tr>"
    }

    func history(_ request: Request, _ identity: DashboardIdentity) async throws -> Response {
        let q = request.uri.queryParameters
        let form = filterForm(status: q.get("status") ?? "", from: q.get("from") ?? "", to: q.get("to") ?? "")
        let filter: RunFilter, page: Int
        do { (filter, page) = try APIQuery.history(q) } catch let e as DashboardError {
            return HTML.page("History", path: "/runs", identity: identity, status: e.status,
                             body: form + HTML.message(e.message))
        }
        let result = try await service.runs(filter, page: page)
        let rows = result.runs.map { r -> String in
            "<tr><td><a href=\"/runs/\(r.id)\">\(r.id)</a></td><td>\(r.kind.rawValue)</td>"
                + "<td>\(HTML.escape(r.days))</td><td class=\"status \(r.status)\">\(r.status)</td>"
                + "<td>\(r.total)</td><td>\(HTML.percent(r.successRate))</td>"
                + "<td>\(HTML.duration(r.durationSeconds))</td><td>\(HTML.number(r.symbolsPerSecond, digits: 0))</td>"
                + "<td>\(HTML.time(r.startedAt))</td>"
                + "\(r.parentRunId.map { "<td>retry of \($0)</td>" } ?? "<td></td>")</tr>"
        }
        func link(_ p: Int) -> String {
            var items = [URLQueryItem(name: "page", value: String(p))]
            for key in ["status", "from", "to"] {
                if let v = q.get(key), !v.isEmpty { items.append(.init(name: key, value: v)) }
            }
            var c = URLComponents()
            c.queryItems = items
            return HTML.escape("/runs" + (c.string ?? ""))
        }
        let pager = "<div class=\"pager\">"
            + (page > 1 ? "<a href=\"\(link(page - 1))\" rel=\"prev\">← Newer</a>" : "")
            + "<span>Page \(page) of \(result.pages) · \(result.total) runs</span>"
            + (page < result.pages ? "<a href=\"\(link(page + 1))\" rel=\"next\">Older →</a>" : "") + "</div>"
        let body = form + HTML.table(["Run", "Kind", "Days", "Status", "Entries", "Success", "Duration", "Symbols/s",
                                      "Started", ""],
                                     rows, empty: "No run matches.") + pager
        return HTML.page("History", path: "/runs", identity: identity, body: body)
    }

    private func filterForm(status: String, from: String, to: String) -> String {
        let options = ([""] + RunStatus.allCases.map(\.rawValue)).map {
            "<option value=\"\($0)\"\($0 == status ? " selected" : "")>\($0.isEmpty ? "any status" : $0)</option>"
        }.joined()
        return "<form class=\"filters\" method=\"get\" action=\"/runs\">"
            + "<label>Status<select name=\"status\">\(options)</select></label>"
            + "<label>From<input type=\"date\" name=\"from\" value=\"\(HTML.escape(from))\"></label>"
            + "<label>To<input type=\"date\" name=\"to\" value=\"\(HTML.escape(to))\"></label>"
            + "<button>Filter</button></form>"
    }

    func detail(_ context: DashboardContext) async throws -> Response {
        let identity = context.identity
        let id = try APIQuery.runId(context)
        let d = try await service.detail(id)
        let r = d.run
        let log = d.hasLog ? try await service.log(id, limit: 64 * 1024) : ""
        var actions = ""
        if identity.role?.mayOperate == true {
            if !r.status.isFinished {
                actions += "<button class=\"danger\" data-action=\"cancel\" data-run=\"\(id)\">Cancel</button> "
            } else if r.failed > 0 || r.status == .cancelled || r.status == .failed {
                actions += "<button data-action=\"retry\" data-run=\"\(id)\">Retry failed symbols</button>"
            }
        }
        var facts: [(String, String)] = [
            ("Status", "<span class=\"status \(r.status)\">\(r.status)</span>"), ("Kind", r.kind.rawValue),
            ("Market", HTML.escape(r.market)), ("Days", HTML.escape(r.days)),
            ("Progress", "<progress max=\"100\" value=\"\(r.progress)\"></progress> "
                + "<span class=\"pct\">\(HTML.number(r.progress)) %</span>"),
            ("Counts", "<span class=\"counts\">\(r.processed) / \(r.total) processed: "
                + "\(r.succeeded) ok, \(r.failed) failed, \(r.skipped) skipped</span>"),
            ("Chunks", "<span class=\"chunks\">\(HTML.escape(Self.chunkText(r.chunks)))</span>"),
            ("Started / finished", "\(HTML.time(r.startedAt)) / \(HTML.time(r.finishedAt))"),
            ("Duration", HTML.duration(r.durationSeconds)), ("Symbols/s", HTML.number(r.symbolsPerSecond, digits: 0)),
            ("Priority", r.priority),
            ("Chunk size", r.chunkSize.map { $0 == 0 ? "chosen for the run" : String($0) } ?? "–"),
            ("Models", HTML.escape(r.models ?? "–")),
        ]
        if let req = d.request, let s = req.symbols {
            facts.append(("Symbols", HTML.escape(s.prefix(50).joined(separator: ", "))))
        }
        if let req = d.request, req.onlyUnpredicted { facts.append(("Only unpredicted", "yes")) }
        if let p = r.parentRunId { facts.append(("Retry of", "<a href=\"/runs/\(p)\">run \(p)</a>")) }
        if !d.retries.isEmpty {
            let links = d.retries.map { "<a href=\"/runs/\($0)\">run \($0)</a>" }.joined(separator: ", ")
            facts.append(("Retried by", links))
        }
        if let m = r.message { facts.append(("Message", HTML.escape(m))) }
        if let e = r.error { facts.append(("Error", HTML.escape(e))) }
        let live = r.status.isFinished ? "" : " data-live-run=\"\(id)\""
        var body = "<p id=\"action-error\" class=\"msg error hidden\"></p>"
            + "<div class=\"card\"\(live)><dl class=\"facts\">"
            + facts.map { "<dt>\($0.0)</dt><dd>\($0.1)</dd>" }.joined() + "</dl><p>\(actions)</p></div>"
        body += "<h2>Chunks</h2>" + HTML.table(
            ["#", "Symbols", "Status", "Attempts", "Worker", "Published", "Taken", "Completed", "Compute",
             "OK / failed / skipped", "Last error"],
            d.chunks.map { c -> String in
                "<tr><td>\(c.chunkNo)</td><td>\(c.symbolCount)\(c.items.map { " (\($0) entries)" } ?? "")</td>"
                    + "<td class=\"status\">\(c.status)</td><td>\(c.attempts)</td>"
                    + "<td>\(HTML.escape(c.worker ?? "–"))</td>"
                    + "<td>\(HTML.time(c.publishedAt))</td><td>\(HTML.time(c.takenAt))</td>"
                    + "<td>\(HTML.time(c.completedAt))</td>"
                    + "<td>\(c.computeMs.map { HTML.number($0, digits: 0) + " ms" } ?? "–")</td>"
                    + "<td>\(c.succeeded) / \(c.failed) / \(c.skipped)</td>"
                    + "<td class=\"wrap\">\(HTML.escape(c.lastError ?? ""))</td></tr>"
            }, empty: "No chunks.")
        body += "<h2>Failed symbols</h2>" + HTML.table(
            ["Symbol", "Day", "Stage", "Attempts", "Error"], d.failures.map { f in
                "<tr><td>\(HTML.escape(f.symbol))</td><td>\(f.asOf)</td>"
                    + "<td>\(HTML.escape(f.stage))</td><td>\(f.attempts)</td>"
                    + "<td class=\"wrap\">\(HTML.escape(f.error))</td></tr>"
            }, empty: "No symbol failed.")
        body += "<h2>Skipped symbols</h2>" + HTML.table(["Symbol", "Day", "Reason"], d.skips.map { s in
            "<tr><td>\(HTML.escape(s.symbol))</td><td>\(s.asOf)</td>"
                + "<td class=\"wrap\">\(HTML.escape(s.reason))</td></tr>"
        }, empty: "No symbol skipped.")
        body += "<h2>Log</h2>" + (d.hasLog
            ? "<p class=\"legend\">The end of run-\(id).log "
                + "(<a href=\"/api/v1/runs/\(id)/log\">whole tail as text</a>).</p>"
                + "<pre class=\"log\">\(HTML.escape(log))</pre>"
            : HTML.message("This run has no log file in this dashboard's log folder.", kind: "note"))
        return HTML.page("Run \(id)", path: "/runs", identity: identity, body: body)
    }

    static func chunkText(_ c: [String: Int]?) -> String {
        guard let c, !c.isEmpty else { return "–" }
        return c.keys.sorted().map { "\(c[$0]!) \($0)" }.joined(separator: ", ")
    }
}
