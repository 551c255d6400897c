"""The dashboard in a real browser: Debian's chromium driven by Playwright (which is told where
the browser is; it cannot download its own here).

Signs in, launches a run from the Launch page, starts two real workers and watches the run reach
100 % on Active runs, opens its Run detail, cancels a second run from Active runs, filters the
History, downloads a CSV export, and saves a screenshot of every page at 1280×800 and at a phone
width (390×844). Fails on any assertion or any JavaScript error. Run by ops/dashboard-e2e.
"""
import argparse
import csv
import io
import os
import re
import subprocess
import sys

from playwright.sync_api import expect, sync_playwright

PAGES = ["/", "/launch", "/runs", "/queues", "/accuracy", "/export"]


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--url", required=True)
    ap.add_argument("--password", required=True)
    ap.add_argument("--date", required=True)
    ap.add_argument("--worker", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--chromium", default="/usr/bin/chromium")
    a = ap.parse_args()
    os.makedirs(a.out, exist_ok=True)
    base = a.url.rstrip("/")
    workers: list[subprocess.Popen] = []
    log = open(os.path.join(a.out, "workers.log"), "ab")

    def start_workers() -> None:
        env = dict(os.environ, CLOSEBELL_FAULT_DELAY_MS="250")  # slow enough to watch progress
        for _ in range(2):
            workers.append(subprocess.Popen([a.worker, "--log-level", "warning"], env=env, stdout=log, stderr=log))

    def stop_workers() -> None:
        for w in workers:
            w.terminate()
        for w in workers:
            w.wait(timeout=30)
        workers.clear()

    errors: list[str] = []

    def watch(page) -> None:
        page.on("pageerror", lambda e: errors.append(f"{page.url}: {e}"))
        page.on("console", lambda m: errors.append(f"{page.url}: {m.text}") if m.type == "error" else None)

    def shot(page, name: str, width: int) -> None:
        page.screenshot(path=os.path.join(a.out, f"{name}-{width}.png"))

    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=a.chromium,
                                        args=["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"])
            ctx = browser.new_context(viewport={"width": 1280, "height": 800}, accept_downloads=True)
            page = ctx.new_page()
            watch(page)

            # Sign in: a page asks for the password first.
            page.goto(base + "/launch")
            expect(page).to_have_url(re.compile(r"/login\?next="))
            shot(page, "login", 1280)
            page.fill("input[name=password]", a.password)
            page.click("button[type=submit]")
            expect(page).to_have_url(re.compile(r"/launch$"))

            # Launch from the Launch page (no worker yet: the run waits on Active runs).
            page.fill("input[name=date]", a.date)
            page.fill("input[name=chunk_size]", "5")
            page.click("#launch button[type=submit]")
            page.wait_for_url(re.compile(r"/runs/\d+$"))
            run1 = int(page.url.rsplit("/", 1)[1])
            page.goto(base + "/")
            expect(page.locator(f'#active tr[data-run="{run1}"] .status')).to_have_text("running")
            start_workers()
            expect(page.locator(f'#recent tr[data-run="{run1}"] .pct')).to_have_text("100.0 %", timeout=90_000)
            expect(page.locator(f'#recent tr[data-run="{run1}"] .status')).to_have_text("completed")
            shot(page, "active", 1280)

            # Run detail.
            page.click(f'#recent a[href="/runs/{run1}"]')
            expect(page.locator("h1")).to_have_text(f"Run {run1}")
            expect(page.locator("dd .status")).to_have_text("completed")
            expect(page.locator("pre.log")).to_contain_text("completed")
            assert page.locator("table").first.locator("tbody tr").count() == 12, "expected 12 chunks"
            shot(page, "run-detail", 1280)
            run = page.request.get(f"{base}/api/v1/runs/{run1}").json()["run"]

            # A second run, cancelled from Active runs.
            stop_workers()
            page.goto(base + "/launch")
            page.fill("input[name=date]", a.date)
            page.fill("input[name=chunk_size]", "5")
            page.click("#launch button[type=submit]")
            page.wait_for_url(re.compile(r"/runs/\d+$"))
            run2 = int(page.url.rsplit("/", 1)[1])
            page.goto(base + "/")
            page.locator(f'#active tr[data-run="{run2}"] button[data-action=cancel]').click()
            expect(page.locator(f'#recent tr[data-run="{run2}"] .status')).to_have_text("cancelled", timeout=30_000)

            # History, filtered.
            page.goto(base + "/runs")
            expect(page.locator(f'a[href="/runs/{run1}"]')).to_be_visible()
            expect(page.locator(f'a[href="/runs/{run2}"]')).to_be_visible()
            shot(page, "history", 1280)
            page.select_option("select[name=status]", "cancelled")
            page.click("form.filters button")
            expect(page).to_have_url(re.compile(r"status=cancelled"))
            expect(page.locator(f'a[href="/runs/{run1}"]')).to_have_count(0)
            expect(page.locator(f'a[href="/runs/{run2}"]')).to_be_visible()

            # Queues and workers, accuracy.
            page.goto(base + "/queues")
            expect(page.locator("#queues")).to_contain_text("(dead letters)")
            shot(page, "queues", 1280)
            page.goto(base + "/accuracy")
            expect(page.locator("h2").last).to_have_text("Degradation alerts")
            shot(page, "accuracy", 1280)

            # Export: a CSV download with every prediction of the run.
            page.goto(base + "/export")
            page.fill("input[name=from]", a.date)
            page.fill("input[name=to]", a.date)
            shot(page, "export", 1280)
            with page.expect_download() as d:
                page.click("#export button[type=submit]")
            path = os.path.join(a.out, "export.csv")
            d.value.save_as(path)
            with open(path, newline="") as f:
                rows = list(csv.DictReader(io.StringIO(f.read())))
            assert len(rows) == run["succeeded"], f"{len(rows)} exported rows, {run['succeeded']} predictions"
            assert all(r["as_of_date"] == a.date for r in rows)

            # Every page at a phone's width, signed in as the same user.
            phone = browser.new_context(viewport={"width": 390, "height": 844}, storage_state=ctx.storage_state(),
                                        is_mobile=True, has_touch=True)
            small = phone.new_page()
            watch(small)
            for path, name in zip(PAGES + [f"/runs/{run1}"],
                                  ["active", "launch", "history", "queues", "accuracy", "export", "run-detail"]):
                small.goto(base + path)
                expect(small.locator("h1")).to_be_visible()
                shot(small, name, 390)
            anonymous = browser.new_context(viewport={"width": 390, "height": 844}).new_page()
            anonymous.goto(base + "/")
            shot(anonymous, "login", 390)
            for name in ["launch"]:
                page.goto(base + "/" + name)
                shot(page, name, 1280)
            browser.close()
    finally:
        stop_workers()
    if errors:
        print("JavaScript errors:\n" + "\n".join(errors), file=sys.stderr)
        return 1
    print(f"dashboard e2e: runs {run1} (completed) and {run2} (cancelled), {len(rows)} rows exported; "
          f"screenshots in {a.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
