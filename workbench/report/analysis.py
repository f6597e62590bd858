"""Report sections that analyse the decision: sensitivity (tornadoes and break-even values)
and chargeback by team, task type and provider."""

from __future__ import annotations

from collections.abc import Callable

from workbench.metrics.formats import months, number, usd, usd_signed
from workbench.report.markup import esc, table_html

CHARGEBACK_DIMENSIONS = (("team", "team"), ("task_type", "task type"), ("provider", "provider"))


def _assumption_value(value: float | None, unit: str) -> str:
    if value is None:
        return "-"
    return f"{number(value, 3)}x today" if unit == "x today" else f"{number(value, 2)} {unit}"


def break_even_rows(doc: dict) -> list[list[str]]:
    """Per assumption: today's value, the tested range, net and payback at each end, and the
    values where the net benefit reaches zero and the 12-month-payback net (plain text)."""
    rows = []
    for r in doc["rows"]:
        unit = r["unit"]
        rows.append([r["label"], _assumption_value(r["base"], unit),
                     f"{_assumption_value(r['low'], unit)} / {_assumption_value(r['high'], unit)}",
                     f"{usd(r['net_low_usd'])} / {usd(r['net_high_usd'])}",
                     f"{months(r['payback_low_months'])} / {months(r['payback_high_months'])}",
                     _assumption_value(r["break_even"], unit) if r["break_even"] is not None
                     else "none in range",
                     _assumption_value(r["break_even_payback"], unit)
                     if r["break_even_payback"] is not None else "none in range"])
    return rows


BREAK_EVEN_HEADERS = ["assumption", "today", "tested low / high", "net / month at low / high",
                      "payback at low / high", "break-even (net = 0)",
                      "value for a 12-month payback"]


def sensitivity_section(doc: dict, figure_html: Callable) -> list[str]:
    """The sensitivity section: what moves the net benefit and payback of the candidate, and
    what would flip the decision."""
    from workbench.viz.sensitivity import tornado_figure

    target = doc.get("target_net_usd")
    intro = (f"Each assumption is moved alone to a low and a high value and the closed-form "
             f"estimate recomputed for {doc['policy']} against {doc['baseline']}. The "
             "break-even value is where the net benefit reaches zero (the change stops paying); "
             + (f"the last column is where it reaches {usd(target)} a month, the net that pays "
                "the implementation back within 12 months. " if target is not None else "")
             + "Found by bisection on the estimator; \"none in range\" means no value "
             "in the searched range (0 to 10x today, outages 0.01x to 100x) gets there.")
    return ["<h2 id=\"sensitivity\">Sensitivity: what would flip the decision</h2>",
            f'<p class="note">{esc(intro)}</p>',
            figure_html(tornado_figure(doc, "net")),
            figure_html(tornado_figure(doc, "payback")),
            table_html(BREAK_EVEN_HEADERS, [[esc(c) for c in row] for row in break_even_rows(doc)],
                       set(range(1, 7)))]


def chargeback_rows(summaries: dict, baseline: str, chosen: str,
                    dimension: str) -> list[list[str]]:
    """Per key of ``dimension``: monthly USD under the baseline and the chosen policy, the
    change and the chosen policy's share (plain text; the total last)."""
    base = summaries[baseline]["breakdown_usd"].get(dimension, {})
    pick = summaries[chosen]["breakdown_usd"].get(dimension, {})
    total = sum(pick.values())
    rows = []
    for key in sorted(set(base) | set(pick), key=lambda k: -pick.get(k, 0.0)):
        b, p = base.get(key, 0.0), pick.get(key, 0.0)
        rows.append([key, usd(b), usd(p), usd_signed(p - b),
                     f"{100.0 * p / total:.1f}%" if total else "-"])
    rows.append(["total", usd(sum(base.values())), usd(total),
                 usd_signed(total - sum(base.values())), "100.0%" if total else "-"])
    return rows


def chargeback_section(summaries: dict, baseline: str, chosen: str,
                       figure_html: Callable) -> list[str]:
    """Who pays what: monthly cost by team, task type and provider, baseline against the
    chosen policy (estimate or simulated means; rework and tooling are not charged back)."""
    from workbench.viz.cost import breakdown_figure

    out = ['<h2 id="chargeback">Chargeback</h2>',
           ('<p class="note">Monthly model, judge and hosting spend booked to the team, task '
            "type and provider that caused it.</p>")]
    pair = {baseline: summaries[baseline], chosen: summaries[chosen]}
    for dimension, title in CHARGEBACK_DIMENSIONS:
        rows = chargeback_rows(summaries, baseline, chosen, dimension)
        headers = [title, f"{baseline} (baseline) / month", f"{chosen} / month", "change",
                   f"share of {chosen}"]
        out += [f"<h3>By {esc(title)}</h3>",
                table_html(headers, [[esc(c) for c in row] for row in rows])]
        if dimension == "team":
            out.append(figure_html(breakdown_figure(pair, "team")))
    return out

