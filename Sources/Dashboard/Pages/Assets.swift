/// The dashboard's stylesheet and script, served by the binary itself (no asset from the
/// internet; the Content-Security-Policy allows only these).
enum Assets {
    static let css = """
        :root { --fg: #1d2330; --muted: #5d6677; --line: #d9dde5; --bg: #f6f7f9; --accent: #1f5fbf; --bad: #b3261e; --ok: #1e7a3c; }
        * { box-sizing: border-box; }
        body { margin: 0; font: 15px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; color: var(--fg); background: var(--bg); }
        header { display: flex; flex-wrap: wrap; align-items: center; gap: .5rem 1.25rem; padding: .6rem 1rem;
                 background: #fff; border-bottom: 1px solid var(--line); }
        .brand { font-size: 1.1rem; }
        nav { display: flex; flex-wrap: wrap; gap: .25rem .9rem; }
        nav a { color: var(--muted); text-decoration: none; padding: .15rem 0; }
        nav a.here { color: var(--accent); border-bottom: 2px solid var(--accent); }
        .who { margin-left: auto; display: flex; gap: .5rem; align-items: center; color: var(--muted); }
        main { padding: 1rem; max-width: 1200px; margin: 0 auto; }
        h1 { font-size: 1.35rem; margin: .2rem 0 1rem; } h2 { font-size: 1.1rem; margin: 1.4rem 0 .5rem; }
        .scroll { overflow-x: auto; background: #fff; border: 1px solid var(--line); border-radius: 6px; }
        table { border-collapse: collapse; width: 100%; font-variant-numeric: tabular-nums; }
        th, td { text-align: left; padding: .4rem .6rem; border-bottom: 1px solid var(--line); white-space: nowrap; vertical-align: top; }
        td.wrap { white-space: normal; min-width: 16rem; }
        th { background: #fafbfc; font-weight: 600; font-size: .85rem; color: var(--muted); }
        td.empty { color: var(--muted); text-align: center; }
        .status { font-weight: 600; } .status.failed, .status.cancelled { color: var(--bad); }
        .status.completed { color: var(--ok); } .status.completed_with_failures { color: #9a6700; }
        progress { width: 8rem; height: .8rem; vertical-align: middle; }
        form.card, .card { background: #fff; border: 1px solid var(--line); border-radius: 6px; padding: 1rem; }
        form.card { display: grid; gap: .8rem; max-width: 40rem; }
        fieldset { border: none; padding: 0; margin: 0; }
        form.filters { display: flex; flex-wrap: wrap; gap: .6rem; align-items: end; margin-bottom: .8rem; }
        label { display: grid; gap: .2rem; font-size: .9rem; color: var(--muted); }
        input, select, textarea, button { font: inherit; padding: .35rem .5rem; border: 1px solid var(--line); border-radius: 4px; }
        textarea { min-height: 4rem; }
        button { background: var(--accent); color: #fff; border-color: var(--accent); cursor: pointer; }
        button.danger { background: var(--bad); border-color: var(--bad); }
        button.link { background: none; color: var(--accent); border: none; padding: 0; }
        button:disabled { opacity: .5; cursor: default; }
        .row { display: flex; flex-wrap: wrap; gap: .8rem; }
        .msg { padding: .6rem .8rem; border-radius: 4px; } .msg.error { background: #fdecea; color: var(--bad); }
        .msg.note { background: #eef4fc; color: var(--accent); }
        .hidden { display: none; }
        dl.facts { display: grid; grid-template-columns: max-content 1fr; gap: .3rem 1rem; margin: 0; }
        dl.facts dt { color: var(--muted); } dl.facts dd { margin: 0; overflow-wrap: anywhere; }
        pre.log { background: #0f1420; color: #d7dce5; padding: .8rem; border-radius: 6px; overflow: auto; max-height: 28rem;
                  font-size: .8rem; }
        .pager { display: flex; gap: 1rem; align-items: center; margin-top: .6rem; }
        .chart { background: #fff; border: 1px solid var(--line); border-radius: 6px; padding: .5rem; margin-bottom: 1rem; }
        .chart svg { width: 100%; height: auto; display: block; }
        .legend { font-size: .85rem; color: var(--muted); }
        .swatch-hit { color: #1f5fbf; } .swatch-mae { color: #c2410c; }
        @media (max-width: 600px) { main { padding: .6rem; } header { padding: .5rem .6rem; } .who { margin-left: 0; } }
        """

    static let js = """
        "use strict";
        const meta = (n) => (document.querySelector(`meta[name="${n}"]`) || {}).content || "";
        const esc = (s) => String(s ?? "").replace(/[&<>"']/g, (c) => ({"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;"}[c]));
        const num = (v, d = 1) => (v === null || v === undefined || !isFinite(v)) ? "–" : Number(v).toFixed(d);
        const dur = (s) => (s === null || s === undefined) ? "–" : s < 60 ? `${s.toFixed(1)} s` : `${Math.floor(s / 60)} min ${String(Math.floor(s % 60)).padStart(2, "0")} s`;
        async function api(method, url, body) {
          const headers = {"X-CSRF-Token": meta("csrf-token"), "Accept": "application/json"};
          if (body !== undefined) headers["Content-Type"] = "application/json";
          const r = await fetch(url, {method, headers, body: body === undefined ? undefined : JSON.stringify(body), credentials: "same-origin"});
          const data = await r.json().catch(() => ({}));
          if (!r.ok) throw new Error((data.error && data.error.message) || `HTTP ${r.status}`);
          return data;
        }
        function showError(el, e) { if (el) { el.textContent = e.message; el.classList.remove("hidden"); } }
        function chunkText(c) { return Object.keys(c || {}).sort().map((k) => `${c[k]} ${k}`).join(", ") || "–"; }
        function activeRow(r, operate) {
          const done = r.status !== "queued" && r.status !== "running";
          const cancel = operate && !done ? `<button class="danger" data-action="cancel" data-run="${r.id}">Cancel</button>` : "";
          return `<tr data-run="${r.id}"><td><a href="/runs/${r.id}">${r.id}</a></td><td>${esc(r.kind)}</td>` +
            `<td>${esc(r.first_date ? r.first_date + "…" + r.as_of_date : r.as_of_date)}</td>` +
            `<td class="status ${esc(r.status)}">${esc(r.status)}</td>` +
            `<td><progress max="100" value="${r.progress}"></progress> <span class="pct">${num(r.progress)} %</span></td>` +
            `<td>${num(r.symbols_per_second, 0)}</td><td>${dur(r.eta_seconds)}</td><td>${esc(chunkText(r.chunks))}</td>` +
            `<td>${r.succeeded} / ${r.failed} / ${r.skipped}</td><td>${cancel}</td></tr>`;
        }
        function fill(table, runs, operate, empty) {
          table.querySelector("tbody").innerHTML = runs.length ? runs.map((r) => activeRow(r, operate)).join("") :
            `<tr><td colspan="10" class="empty">${empty}</td></tr>`;
        }
        async function pollActive(table) {
          try {
            const data = await api("GET", "/api/v1/runs/active");
            fill(table, data.runs, meta("role") === "admin", "No run is queued or running.");
            const recent = document.getElementById("recent");
            if (recent) fill(recent, data.recent, false, "No run finished in that time.");
            document.getElementById("active-updated").textContent = new Date().toLocaleTimeString();
          } catch (e) { showError(document.getElementById("active-error"), e); }
        }
        function launchBody(form) {
          const f = new FormData(form);
          const body = {};
          if (f.get("mode") === "range") { body.from = f.get("from"); body.to = f.get("to"); } else { body.date = f.get("date"); }
          const symbols = (f.get("symbols") || "").trim();
          if (symbols) body.symbols = symbols;
          if (f.get("only_unpredicted")) body.only_unpredicted = true;
          const chunk = (f.get("chunk_size") || "").trim();
          if (chunk) body.chunk_size = chunk;
          body.priority = f.get("priority") || "normal";
          const models = (f.get("models") || "").trim();
          if (models) body.models = models;
          return body;
        }
        document.addEventListener("click", async (ev) => {
          const b = ev.target.closest("button[data-action]");
          if (!b) return;
          ev.preventDefault();
          b.disabled = true;
          const err = document.getElementById("action-error");
          try {
            const r = await api("POST", `/api/v1/runs/${b.dataset.run}/${b.dataset.action}`);
            if (b.dataset.action === "retry") location.href = `/runs/${r.id}`; else location.reload();
          } catch (e) { showError(err, e); b.disabled = false; }
        });
        document.addEventListener("DOMContentLoaded", () => {
          const active = document.getElementById("active");
          if (active) { setInterval(() => pollActive(active), 2000); }
          const form = document.getElementById("launch");
          if (form) {
            const sync = () => {
              const range = form.querySelector('input[name="mode"]:checked').value === "range";
              form.querySelectorAll(".when-range").forEach((e) => e.classList.toggle("hidden", !range));
              form.querySelectorAll(".when-date").forEach((e) => e.classList.toggle("hidden", range));
            };
            form.querySelectorAll('input[name="mode"]').forEach((e) => e.addEventListener("change", sync));
            sync();
            form.addEventListener("submit", async (ev) => {
              ev.preventDefault();
              const err = document.getElementById("launch-error");
              err.classList.add("hidden");
              const button = form.querySelector("button[type=submit]");
              button.disabled = true;
              try { const r = await api("POST", "/api/v1/runs", launchBody(form)); location.href = `/runs/${r.id}`; }
              catch (e) { showError(err, e); button.disabled = false; }
            });
          }
          const live = document.querySelector("[data-live-run]");
          if (live) {
            setInterval(async () => {
              try {
                const d = await api("GET", `/api/v1/runs/${live.dataset.liveRun}`);
                const r = d.run;
                live.querySelector("progress").value = r.progress;
                live.querySelector(".pct").textContent = `${num(r.progress)} %`;
                live.querySelector(".counts").textContent = `${r.processed} / ${r.total} processed: ${r.succeeded} ok, ${r.failed} failed, ${r.skipped} skipped`;
                live.querySelector(".chunks").textContent = chunkText(r.chunks);
                if (r.status !== "queued" && r.status !== "running") location.reload();
              } catch (e) { /* the next tick tries again */ }
            }, 2000);
          }
          const queues = document.querySelector("[data-refresh]");
          if (queues) setInterval(() => location.reload(), Number(queues.dataset.refresh) * 1000);
        });
        """
}
