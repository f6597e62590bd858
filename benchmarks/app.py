"""How fast the app answers: Playwright timings of page interactions on the default scenario,
in Debian's Chromium against ``workbench app``'s Streamlit on 127.0.0.1, and a big run.

    python benchmarks/app.py --json            # default simulation size (7 days x 2 runs)
    python benchmarks/app.py --small --json    # 1 day x 1 run, fewer cases, no big run

Prints ``{"cases": [{"name", "seconds"}], "big_run": {...}, ...}``. Goals (issue 13): every
interaction under 1 s; the big run - 60,000 tasks a day x 30 days x 4 replications, started
from the app - under 20 s with the app's whole process tree (Streamlit and its workers) under
2 GiB resident at its peak. This script measures, it asserts nothing.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "app"))
from browser import PAGES, goto_page, launch, streamlit_server, wait_idle

GOAL_S = 1.0
BIG_RUN = {"per_day": 60_000, "days": 30, "replications": 4}
BIG_RUN_GOALS = {"seconds": 20.0, "peak_rss_mib": 2048}


def timed(cases: list[dict], name: str, action) -> None:
    start = time.perf_counter()
    action()
    cases.append({"name": name, "seconds": round(time.perf_counter() - start, 3)})


def pick_option(page, label: str, option: str) -> None:
    """Choose ``option`` in the Streamlit selectbox labelled ``label``."""
    box = page.get_by_role("combobox", name=label).first
    box.click()
    box.fill(option)
    page.get_by_role("option", name=option, exact=True).first.click()


def set_number(page, label: str, value: float) -> None:
    box = page.locator(f'input[aria-label="{label}"]').first
    box.fill(str(value))
    box.press("Enter")


def metric_value(page, label: str) -> str:
    card = page.locator('[data-testid="stMetric"]').filter(has_text=label).first
    return card.locator('[data-testid="stMetricValue"]').inner_text()


def wait_metric_change(page, label: str, before: str, timeout_s: float = 60.0) -> None:
    """Wait until the metric labelled ``label`` no longer shows ``before``."""
    deadline = time.perf_counter() + timeout_s
    while metric_value(page, label) == before:
        if time.perf_counter() > deadline:
            raise TimeoutError(f"{label} stayed {before}")
        page.wait_for_timeout(25)


def app_tree_rss_bytes() -> int:
    """Resident bytes of the Streamlit server started by this script and its descendants
    (its simulation workers)."""
    import psutil

    servers = [c for c in psutil.Process().children(recursive=True)
               if "streamlit" in " ".join(c.cmdline())]
    total = 0
    for proc in servers + [d for s in servers for d in s.children(recursive=True)]:
        try:
            total += proc.memory_info().rss
        except psutil.Error:
            continue
    return total


def big_run(page) -> dict:
    """The issue's big run in the browser: volume, days and replications set in the app,
    summaries only; wall time until the page is idle, and the app's peak resident memory."""
    import threading

    goto_page(page, "Audit")
    set_number(page, "Total tasks per day (scales every task type)", BIG_RUN["per_day"])
    page.get_by_text(f"{BIG_RUN['per_day']:,}").first.wait_for()
    goto_page(page, "Simulate & compare")
    set_number(page, "Simulated days", BIG_RUN["days"])
    set_number(page, "Replications", BIG_RUN["replications"])
    if page.get_by_role("checkbox", name="Keep every attempt").is_checked():
        page.get_by_text("Keep every attempt").click()
    wait_idle(page, "Simulate & compare")
    peak, done = [app_tree_rss_bytes()], threading.Event()

    def sample() -> None:
        while not done.is_set():
            peak.append(app_tree_rss_bytes())
            done.wait(0.05)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    start = time.perf_counter()
    page.get_by_role("button", name="Run simulation").click()
    page.get_by_text(f"{BIG_RUN['replications']} replications of {BIG_RUN['days']} simulated "
                     "days").first.wait_for(timeout=600_000)
    page.get_by_text("Results by group").first.wait_for(timeout=600_000)
    wait_idle(page, "Simulate & compare", 600_000)
    seconds = time.perf_counter() - start
    done.set()
    sampler.join()
    return {**BIG_RUN, "seconds": round(seconds, 2),
            "peak_rss_mib": round(max(peak) / 2**20, 1), "goals": BIG_RUN_GOALS}


def run(small: bool) -> dict:
    from playwright.sync_api import sync_playwright

    env = {"WORKBENCH_APP_DAYS": "1", "WORKBENCH_APP_REPLICATIONS": "1"} if small else {}
    cases: list[dict] = []
    with streamlit_server(env) as url, sync_playwright() as p:
        browser = launch(p)
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 1000},
                                    accept_downloads=True)

            def first_load():
                page.goto(url)
                wait_idle(page, "Overview", 60_000)
                page.get_by_text("Monthly cost now").first.wait_for()
                page.locator(".js-plotly-plot").first.wait_for()
            timed(cases, "first load: overview", first_load)

            def choose_baseline():
                before = metric_value(page, "Savings")
                pick_option(page, "Chosen policy", "baseline")
                wait_metric_change(page, "Savings", before)
            timed(cases, "overview: change chosen policy", choose_baseline)
            pick_option(page, "Chosen policy", "routed")
            page.get_by_text("With routed").first.wait_for()

            pages = PAGES if not small else ("Audit", "Requirements", "ROI")
            for name in pages:
                if name in ("Overview", "Simulate & compare"):
                    continue
                timed(cases, f"open {name}", lambda name=name: goto_page(page, name))

            goto_page(page, "Audit")

            def scale_volume():
                before = metric_value(page, "Monthly cost (routed)")
                set_number(page, "Total tasks per day (scales every task type)", 1500)
                wait_metric_change(page, "Monthly cost (routed)", before)
            timed(cases, "audit: scale the daily volume", scale_volume)

            timed(cases, "open Simulate & compare",
                  lambda: goto_page(page, "Simulate & compare"))
            page.get_by_text("Simulation size").click()  # summaries-only by default: keep
            page.get_by_text("Keep every attempt").click()  # records for the chart below
            wait_idle(page, "Simulate & compare")

            def simulate():
                page.get_by_role("button", name="Run simulation").click()
                page.get_by_text("Attempts per run").first.wait_for(timeout=300_000)
                wait_idle(page, "Simulate & compare", 300_000)
            timed(cases, "simulate: run (uncached)", simulate)

            def flow_policy():
                pick_option(page, "Cost over time of", "routed")
                spend = page.locator('[data-testid="stMetric"]').filter(has_text="spend over")
                deadline = time.perf_counter() + 60
                while spend.count() != 1 and time.perf_counter() < deadline:
                    page.wait_for_timeout(25)
            timed(cases, "simulate: change the cost chart's policy", flow_policy)

            goto_page(page, "ROI")

            def roi_rate():
                before = metric_value(page, "Net benefit / month")
                set_number(page, "Hourly rate of rework USD", 60)
                wait_metric_change(page, "Net benefit / month", before)
            timed(cases, "roi: change an assumption", roi_rate)

            def download():
                with page.expect_download(timeout=120_000) as info:
                    page.get_by_role("button", name="Download report").click()
                info.value.path()
            timed(cases, "download the report", download)
            big = None if small else big_run(page)
        finally:
            browser.close()
    interactions = [c for c in cases if not c["name"].startswith(("first load", "simulate: run"))]
    return {"scenario": "support_desk", "small": small, "goal_seconds": GOAL_S,
            "method": "Playwright in Chromium", "cases": cases, "big_run": big,
            "interactions_over_goal": [c["name"] for c in interactions
                                       if c["seconds"] > GOAL_S]}


def run_apptest(small: bool) -> dict:
    """Without Chromium: the same interactions through Streamlit's AppTest (server-side time
    only, no browser rendering)."""
    import os

    from streamlit.testing.v1 import AppTest

    if small:
        os.environ.update({"WORKBENCH_APP_DAYS": "1", "WORKBENCH_APP_REPLICATIONS": "1"})
    main_py = str(Path(__file__).resolve().parents[1] / "workbench" / "app" / "main.py")
    at = AppTest.from_file(main_py, default_timeout=600)
    cases: list[dict] = []
    timed(cases, "first load: overview", at.run)
    timed(cases, "overview: change chosen policy",
          lambda: at.sidebar.selectbox(key="chosen").set_value("baseline").run())
    for name in ("audit", "requirements", "policies", "budget", "reliability", "roi"):
        def open_page(name=name):
            at.switch_page(f"app_pages/{name}.py")
            at.run()
        timed(cases, f"open {name}", open_page)
    at.switch_page("app_pages/simulate.py")
    at.run()
    timed(cases, "simulate: run (uncached)", lambda: at.button(key="sim_run").click().run())
    errors = [str(e.value) for e in at.exception]
    if errors:
        raise RuntimeError(errors)
    interactions = [c for c in cases if not c["name"].startswith(("first load", "simulate: run"))]
    return {"scenario": "support_desk", "small": small, "goal_seconds": GOAL_S,
            "method": "AppTest (no Chromium: server-side time only)", "cases": cases,
            "interactions_over_goal": [c["name"] for c in interactions
                                       if c["seconds"] > GOAL_S]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--small", action="store_true", help="1 simulated day, fewer cases")
    parser.add_argument("--json", action="store_true", help="print one JSON document")
    args = parser.parse_args()
    if Path("/usr/bin/chromium").exists():
        doc = run(args.small)
    else:
        print("no /usr/bin/chromium: timing through AppTest instead", file=sys.stderr)
        doc = run_apptest(args.small)
    if args.json:
        print(json.dumps(doc, indent=2))
    else:
        for case in doc["cases"]:
            print(f"{case['seconds']:8.3f} s  {case['name']}")


if __name__ == "__main__":
    main()
