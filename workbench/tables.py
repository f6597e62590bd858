"""Human-readable tables (rich) of per-policy summaries, shared by estimate, simulate and
compare."""

from __future__ import annotations

from rich.console import Console
from rich.table import Table


def _usd(v):
    return "-" if v is None else f"${v:,.2f}"


def _pct(v, digits=2):
    return "-" if v is None else f"{100 * v:.{digits}f}%"


def _num(v, unit=""):
    return "-" if v is None else f"{v:,.2f}{unit}"


def policy_table(title: str, policies: dict[str, dict], baseline: str) -> Table:
    """One row per policy: cost, savings, quality, rework, reliability, latency, ROI."""
    table = Table(title=title, title_justify="left")
    for header in ("policy", "cost / month", "cost / task", "savings", "pass rate",
                   "rework h", "success", "availability", "p50", "p95", "net / month",
                   "payback"):
        table.add_column(header, justify="left" if header == "policy" else "right")
    for name, s in policies.items():
        roi = s.get("roi") or {}
        cost = _usd(s["monthly_cost_usd"])
        ci = s.get("monthly_cost_usd_ci95")
        if ci:
            cost += f"\n[{ci[0]:,.0f}, {ci[1]:,.0f}]"
        payback = roi.get("payback_months")
        table.add_row(
            name + (" (baseline)" if name == baseline else ""), cost,
            f"${s['cost_per_task_usd']:.4f}", _pct(s["savings_vs_baseline"]),
            _pct(s["quality_pass_rate"]), _num(s["rework_hours"]), _pct(s["success_rate"], 3),
            _pct(s["availability"], 3), _num(s["latency_p50_s"], " s"),
            _num(s["latency_p95_s"], " s"),
            "-" if name == baseline else _usd(roi.get("net_monthly_usd")),
            "-" if name == baseline else ("never" if payback is None else f"{payback:.1f} mo"))
    return table


def claims_table(claims: list[dict]) -> Table | None:
    """Each article claim beside the computed figure."""
    if not claims:
        return None
    table = Table(title="Claims checked against the numbers", title_justify="left")
    for header in ("claim", "policy", "metric", "claimed", "computed", "holds"):
        table.add_column(header)
    for c in claims:
        claimed = c["claimed"] if c["claimed"] is not None else c["claimed_range"]
        table.add_row(c["text"], c["policy"], c["metric"], str(claimed), str(c["computed"]),
                      {True: "yes", False: "NO", None: "-"}[c["holds"]])
    return table


def print_tables(tables: list[Table | None]) -> None:
    """Print tables to stdout, wide enough not to fold numbers."""
    console = Console(width=max(140, Console().width))
    for table in tables:
        if table is not None:
            console.print(table)


def comparison_table(title: str, policies: dict[str, dict], baseline: str) -> Table:
    """Per policy, the closed-form estimate beside the simulated mean (with its interval)."""
    table = Table(title=title, title_justify="left")
    for header in ("policy", "metric", "estimate", "simulated", "sim 95% interval"):
        table.add_column(header, justify="left" if header in ("policy", "metric") else "right")
    rows = (("cost / month", "monthly_cost_usd", _usd), ("savings", "savings_vs_baseline", _pct),
            ("pass rate", "quality_pass_rate", _pct), ("success", "success_rate", _pct),
            ("availability", "availability", _pct), ("p95 latency", "latency_p95_s",
                                                      lambda v: _num(v, " s")),
            ("rework h", "rework_hours", _num))
    for name, both in policies.items():
        label = name + (" (baseline)" if name == baseline else "")
        for i, (metric, key, fmt) in enumerate(rows):
            ci = both["simulate"].get("monthly_cost_usd_ci95") if key == "monthly_cost_usd" else None
            table.add_row(label if i == 0 else "", metric, fmt(both["estimate"].get(key)),
                          fmt(both["simulate"].get(key)),
                          f"[{ci[0]:,.2f}, {ci[1]:,.2f}]" if ci else "",
                          end_section=i == len(rows) - 1)
    return table


def sweep_table(rows: list[dict]) -> Table:
    """One row per (parameter values, seed, policy) of a sweep."""
    table = Table(title="Sweep", title_justify="left")
    for header in ("parameters", "seed", "policy", "cost / month", "savings", "pass rate",
                   "availability", "p95"):
        table.add_column(header, justify="left" if header in ("parameters", "policy") else "right")
    for r in rows:
        params = ", ".join(f"{k}={v}" for k, v in r["params"].items())
        table.add_row(params, str(r["seed"]), r["policy"], _usd(r["monthly_cost_usd"]),
                      _pct(r["savings_vs_baseline"]), _pct(r["quality_pass_rate"]),
                      _pct(r["availability"], 3), _num(r["latency_p95_s"], " s"))
    return table
