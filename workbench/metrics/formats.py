"""Number formats for people: the one home shared by the CLI tables, the app and the report.

Rules: money is ``-$36,653`` (sign before the dollar), None is ``-`` everywhere, percentages
come from fractions with a fixed number of digits per metric, whole numbers carry no
``.00``, rules are numbered from 1, and column names are words, not identifiers.

    >>> usd(-36653.2)
    '-$36,653'
    >>> pct(0.99795, 2)
    '99.80%'
    >>> number(1572.0)
    '1,572'
    >>> metric_text("availability", None)
    '-'
"""

from __future__ import annotations

import math
from collections.abc import Callable

DASH = "-"

# Percent digits per summary metric: availability and success differ in the second decimal.
PERCENT_DIGITS = {"availability": 2, "success_rate": 2, "quality_pass_rate": 1,
                  "savings_vs_baseline": 1}


def _missing(value: float | None) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def usd(value: float | None, digits: int = 0) -> str:
    """``$1,234`` / ``-$1,234`` (``-`` for None)."""
    if _missing(value):
        return DASH
    text = f"{abs(value):,.{digits}f}"
    negative = value < 0 and text.strip("0.,") != ""
    return f"{'-' if negative else ''}${text}"


def usd_short(value: float | None) -> str:
    """Whole dollars from $1,000 up, cents below (``$12.34``, ``-$1,235``)."""
    if _missing(value):
        return DASH
    return usd(value, 0 if abs(value) >= 1000 else 2)


def usd_signed(value: float | None, digits: int = 0) -> str:
    """A change in money with its sign: ``+$1,835`` / ``-$1,835`` / ``$0``."""
    if _missing(value):
        return DASH
    text = usd(value, digits)
    return text if text.startswith("-") or text.strip("$0.,") == "" else "+" + text


def usd_per_task(value: float | None) -> str:
    """Cost per task with four decimals (``$0.0123``)."""
    return usd(value, 4)


def pct(value: float | None, digits: int = 1) -> str:
    """``12.3%`` from the fraction 0.123 (``-`` for None)."""
    return DASH if _missing(value) else f"{100.0 * value:.{digits}f}%"


def pct_points(value: float | None, digits: int = 1) -> str:
    """A change of a fraction in percentage points with its sign: ``+1.2 pp``."""
    return DASH if _missing(value) else f"{100.0 * value:+.{digits}f} pp"


def number(value: float | None, digits: int = 2) -> str:
    """``1,572`` for a whole number, ``0.5`` / ``12.35`` otherwise (no trailing zeros)."""
    if _missing(value):
        return DASH
    if isinstance(value, bool):
        return "yes" if value else "no"
    if float(value).is_integer():
        return f"{value:,.0f}"
    text = f"{value:,.{digits}f}"
    text = text.rstrip("0").rstrip(".") if "." in text else text
    return "0" if text in ("-0", "") else text


def hours(value: float | None) -> str:
    """Hours: whole from 1,000 up, one decimal below."""
    if _missing(value):
        return DASH
    return f"{value:,.0f}" if abs(value) >= 1000 else f"{value:,.1f}"


def seconds(value: float | None) -> str:
    """``1.23 s``."""
    return DASH if _missing(value) else f"{value:.2f} s"


def months(value: float | None) -> str:
    """``4.2 months`` or ``never`` (None: the change never pays back)."""
    return "never" if _missing(value) else f"{value:.1f} months"


def months_value(value: float | None) -> str:
    """``32.8`` or ``never``: months for a narrow card whose label carries the unit."""
    return "never" if _missing(value) else f"{value:.1f}"


def plural(count: float, noun: str) -> str:
    """``1 day``, ``2 days``, ``0.5 days``."""
    return f"{count:g} {noun}{'' if count == 1 else 's'}"


def interval(low: float | None, high: float | None, fmt: Callable[[float | None], str]) -> str:
    """``[low, high]`` in ``fmt``; ``-`` for a missing end (never ``None``)."""
    return f"[{fmt(low)}, {fmt(high)}]"


def metric_format(metric: str) -> Callable[[float | None], str]:
    """The format of a summary metric by its key (fractions as percent, ``_usd`` as money,
    ``_s`` as seconds, ``_hours`` as hours, months for payback)."""
    key = metric.rsplit(".", 1)[-1]
    if key in PERCENT_DIGITS:
        return lambda v: pct(v, PERCENT_DIGITS[key])
    if key == "cost_per_task_usd":
        return usd_per_task
    if key.startswith("net_"):
        return usd
    if key.endswith("_usd"):
        return usd_short
    if key.endswith("_s"):
        return seconds
    if key.endswith("_hours"):
        return hours
    if key.endswith("_months"):
        return months
    return lambda v: number(v, 4)


def metric_text(metric: str, value: float | None) -> str:
    """``value`` of summary metric ``metric`` for people (see `metric_format`)."""
    return metric_format(metric)(value)


def rule_label(index: int) -> str:
    """A rule's name for people from its 0-based index in the file: ``rule 1``."""
    return f"rule {index + 1}"


COLUMN_LABELS = {
    "meets_bar": "meets the bar", "cost_usd": "cost", "cost_per_task_usd": "cost / task",
    "monthly_cost_usd": "cost / month", "monthly_cost_delta_usd": "cost / month change",
    "pass_rate": "pass rate", "pass_rate_delta": "pass rate change", "per_day": "tasks / day",
    "block_noncritical": "block non-critical tasks", "downgrade": "downgrade",
    "quality_pass_rate": "pass rate", "savings_vs_baseline": "savings",
    "success_rate": "success", "latency_p50_s": "latency p50", "latency_p95_s": "latency p95",
    "rework_hours": "rework hours", "task_type": "task type", "latency_class": "latency class",
    "client_facing": "client-facing", "data_sensitive": "data-sensitive",
}


def label(name: str) -> str:
    """A column or action identifier as words: ``meets_bar`` -> ``meets the bar``,
    ``input_tokens`` -> ``input tokens``, ``x_usd`` -> ``x (USD)``."""
    if name in COLUMN_LABELS:
        return COLUMN_LABELS[name]
    for suffix, unit in (("_usd", " (USD)"), ("_s", " (s)"), ("_h", " (h)")):
        if name.endswith(suffix):
            return name[: -len(suffix)].replace("_", " ") + unit
    return name.replace("_", " ")
