"""Human-readable tables (rich) of per-policy summaries, shared by estimate, simulate and
compare."""

from __future__ import annotations

from rich import box
from rich.console import Console
from rich.table import Table

from workbench.metrics import formats

PLAIN = {"markup": False, "emoji": False, "highlight": False}  # Console options for user text


def _usd(v):
    return formats.usd(v, 2)


_usd_short = formats.usd_short
_hours = formats.hours


def _pct(v, digits=1):
    return formats.pct(v, digits)


def _num(v, unit=""):
    return "-" if v is None else formats.number(v) + unit


def _seconds(v):
    return "-" if v is None else f"{v:.2f}"


def compact_table(title: str) -> Table:
    """A table that fits a 100-column terminal: no outer edge, one space between columns."""
    return Table(title=title, title_justify="left", box=box.SIMPLE_HEAD, show_edge=False,
                 padding=(0, 0, 0, 1), pad_edge=False)


POLICY_COLUMNS = ("policy", "cost/mo", "$/task", "savings", "pass", "rework h", "avail.",
                  "p95 s", "net/mo", "payback")  # success_rate, latency_p50_s: in --json


def policy_table(title: str, policies: dict[str, dict], baseline: str) -> Table:
    """One row per policy: cost, savings, quality, rework, availability, p95 latency, ROI. Fits a
    100-column terminal: numbers never fold or shrink; a long policy name folds (the baseline
    is marked with ``*``)."""
    rows = []
    for name, s in policies.items():
        roi = s.get("roi") or {}
        cost = _usd_short(s["monthly_cost_usd"])
        ci = s.get("monthly_cost_usd_ci95")
        if ci:
            cost += f"\n[{_usd_short(ci[0])}, {_usd_short(ci[1])}]"
        payback = roi.get("payback_months")
        is_base = name == baseline
        rows.append((
            name + (" *" if is_base else ""), cost,
            formats.usd_per_task(s["cost_per_task_usd"]),
            formats.metric_text("savings_vs_baseline", s["savings_vs_baseline"]),
            formats.metric_text("quality_pass_rate", s["quality_pass_rate"]),
            _hours(s["rework_hours"]),
            formats.metric_text("availability", s["availability"]),
            _seconds(s["latency_p95_s"]),
            "-" if is_base else _usd_short(roi.get("net_monthly_usd")),
            "-" if is_base else formats.months(payback).replace(" months", " mo")))
    table = compact_table(title + " (* baseline)")
    for index, header in enumerate(POLICY_COLUMNS):
        if index == 0:
            table.add_column(header, justify="left", overflow="fold", ratio=1, min_width=8)
            continue
        width = max(len(line) for cell in [header, *(r[index] for r in rows)]
                    for line in cell.split("\n"))
        table.add_column(header, justify="right", no_wrap=True, min_width=width)
    for row in rows:
        table.add_row(*row)
    return table


def _claimed(c: dict) -> str:
    fmt = _metric_format(c["metric"])
    if c["claimed"] is not None:
        return fmt(c["claimed"])
    low, high = c["claimed_range"] or (None, None)
    if low is not None and high is not None:
        return f"{fmt(low)} to {fmt(high)}"
    return f">= {fmt(low)}" if low is not None else f"<= {fmt(high)}"


def _metric_format(metric: str):
    return formats.metric_format(metric)


def _judged(c: dict) -> str:
    """Which fidelity judged a claim, with its 95% interval when it has one."""
    by = c.get("judged_by")
    if by is None:
        return "-"
    interval = c.get("interval")
    if interval:
        fmt = _metric_format(c["metric"])
        return f"{by} [{fmt(interval[0])}, {fmt(interval[1])}]"
    return by


def claims_table(claims: list[dict]) -> Table | None:
    """Each article claim beside the figure of the fidelity that models it (in the metric's
    unit, with the simulation's 95% interval), and the verdict - "not modelled by the
    estimate" when only the estimate ran and it cannot see what the claim is about."""
    if not claims:
        return None
    table = compact_table("Claims checked against the numbers")
    table.add_column("claim", overflow="fold", ratio=1)
    for header in ("policy", "metric"):
        table.add_column(header, overflow="fold")
    for header in ("claimed", "computed", "judged by"):
        table.add_column(header, justify="right", no_wrap=True)
    table.add_column("holds", justify="right", overflow="fold")
    for c in claims:
        status = c.get("status")
        holds = {True: "yes", False: "NO"}.get(c["holds"], status or "-")
        table.add_row(c["text"], c["policy"], c["metric"], _claimed(c),
                      _metric_format(c["metric"])(c["computed"]), _judged(c), holds)
    return table


def print_tables(tables: list[Table | None]) -> None:
    """Print tables to stdout at the terminal's width (at least 100 columns when piped).
    Names come from users' files: no rich markup, emoji codes or highlighting is applied to
    them (``[/bold]`` in a policy name was a MarkupError)."""
    console = Console(**PLAIN)
    if not console.is_terminal:
        console = Console(width=max(100, console.width), **PLAIN)
    for table in tables:
        if table is not None:
            console.print(table)


def comparison_table(title: str, policies: dict[str, dict], baseline: str) -> Table:
    """Per policy, the closed-form estimate beside the simulated mean (with its interval)."""
    table = Table(title=title, title_justify="left")
    for header in ("policy", "metric", "estimate", "simulated", "sim 95% interval"):
        table.add_column(header, justify="left" if header in ("policy", "metric") else "right")
    rows = tuple((formats.label(key), key, formats.metric_format(key))
                 for key in ("monthly_cost_usd", "savings_vs_baseline", "quality_pass_rate",
                             "success_rate", "availability", "latency_p95_s", "rework_hours"))
    for name, both in policies.items():
        label = name + (" (baseline)" if name == baseline else "")
        for i, (metric, key, fmt) in enumerate(rows):
            ci = both["simulate"].get("monthly_cost_usd_ci95") if key == "monthly_cost_usd" else None
            table.add_row(label if i == 0 else "", metric, fmt(both["estimate"].get(key)),
                          fmt(both["simulate"].get(key)),
                          formats.interval(ci[0], ci[1], _usd) if ci else "",
                          end_section=i == len(rows) - 1)
    return table


def sweep_table(rows: list[dict]) -> Table:
    """One row per (parameter values, seed, policy) of a sweep: one column per swept
    parameter, headed by its full path; parameter values and names fold, never truncate."""
    table = Table(title="Sweep", title_justify="left")
    params = list(rows[0]["params"]) if rows else []
    for path in params:
        table.add_column(path, justify="left", overflow="fold")
    table.add_column("seed", justify="right", no_wrap=True)
    table.add_column("policy", justify="left", overflow="fold")
    for header in ("cost / month", "savings", "pass rate", "availability", "p95"):
        table.add_column(header, justify="right", no_wrap=True)
    for r in rows:
        table.add_row(*(str(r["params"].get(p)) for p in params), str(r["seed"]), r["policy"],
                      _usd(r["monthly_cost_usd"]),
                      *(formats.metric_text(k, r[k]) for k in (
                          "savings_vs_baseline", "quality_pass_rate", "availability",
                          "latency_p95_s")))
    return table
