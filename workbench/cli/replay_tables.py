"""Human-readable report of a replay (rich tables from the JSON document)."""

from __future__ import annotations

from rich.table import Table

from workbench.cli.tables import print_tables
from workbench.metrics import formats


def _usd(value: float | None, digits: int = 4) -> str:
    return "unknown" if value is None else formats.usd(value, digits)


def _pct(value: float | None) -> str:
    return formats.pct(value, 2)


def _num(value: float | None, digits: int = 4) -> str:
    return "-" if value is None else f"{value:.{digits}f}"


def _rows(doc: dict) -> str:
    """"1,456 prompts" - the rows every figure uses - with the rows left out by reason."""
    text = f"{doc['prompts']:,} prompts"
    left_out = {k: v for k, v in doc["excluded"].items() if v}
    if left_out:
        reasons = ", ".join(f"{k} {v:,}" for k, v in left_out.items())
        text += f" of {doc['prompts_read']:,} read ({sum(left_out.values()):,} excluded: {reasons})"
    return text


def policy_rows_table(doc: dict) -> Table:
    """Single models, the oracle, cascades and scenario policies: quality, raw score, cost."""
    raw = doc["raw_score"]
    table = Table(title=f"{doc['benchmark']} - {_rows(doc)} ({doc['source']})",
                  title_justify="left")
    for header in ("policy", "quality", raw, "cost USD", "USD / prompt", "strong share"):
        table.add_column(header, justify="left" if header == "policy" else "right")
    strong = doc["strong"]
    for name, m in doc["models"].items():
        label = name + (" (strong)" if name == strong else " (weak)" if name == doc["weak"]
                        else "")
        table.add_row(label, _num(m["quality"]), _num(m[raw], 3), _usd(m["cost_usd"]),
                      _usd(m["cost_per_prompt_usd"], 6), "-")
    for p in [doc["oracle"]] + doc["policies"]:
        table.add_row(p["name"], _num(p["quality"]), _num(p[raw], 3), _usd(p["cost_usd"]),
                      _usd(p["cost_per_prompt_usd"], 6), _pct(p["strong_share"]))
    return table


def curves_table(doc: dict) -> Table:
    """Per router family: APGR, CPT(50%), CPT(80%), share for 95% of strong quality, AIQ."""
    table = Table(title=f"Routers between {doc['strong']} (strong) and {doc['weak']} (weak)",
                  title_justify="left")
    for header in ("curve", "APGR", "CPT(50%)", "CPT(80%)", "share for 95% strong", "AIQ"):
        table.add_column(header, justify="left" if header == "curve" else "right")
    for name, c in doc["curves"].items():
        apgr = _num(c.get("apgr"), 3)
        if c.get("apgr_interval_95"):
            low, high = c["apgr_interval_95"]
            apgr += f" (95%: {low:.3f}-{high:.3f})"
        table.add_row(name, apgr, _pct(c.get("cpt_50")),
                      _pct(c.get("cpt_80")), _pct(c.get("share_for_95pct_strong")),
                      _num(c.get("aiq"), 3))
    return table


def random_note(doc: dict) -> str | None:
    """What the random router's APGR interval means for the other routers."""
    interval = doc["curves"].get("random", {}).get("apgr_interval_95")
    if not interval:
        return None
    low, high = interval
    inside = [name for name, c in doc["curves"].items()
              if c["kind"] != "random" and c.get("apgr") is not None
              and low <= c["apgr"] <= high]
    text = (f"random: the exact expectation over every random choice of strong prompts; 95% "
            f"of random routers have an APGR in {low:.3f}-{high:.3f} on these "
            f"{doc['prompts']:,} prompts")
    if inside:
        text += f" - not distinguishable from random: {', '.join(inside)}"
    return text


def print_report(doc: dict) -> None:
    """Print the replay's tables and the cost method / notes."""
    print_tables([policy_rows_table(doc), curves_table(doc)])
    note = random_note(doc)
    if note:
        print(note)
    print(f"cost: {doc['cost_method']}")
    if doc["excluded"]:
        print("excluded: " + ", ".join(f"{k} {v}" for k, v in doc["excluded"].items()))
    for note in doc["notes"]:
        print(f"note: {note}")
    for item in (doc.get("scenario") or {}).get("skipped", []):
        print(f"scenario policy {item['policy']} not replayed: {item['reason']}")
