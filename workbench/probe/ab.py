"""Blind A/B of the current model (arm ``A``) and a candidate (arm ``B``) on the same tasks.

For each sampled task whose two attempts both delivered, the judge (when the config has one)
sees the task and the two outputs in an order drawn from the seed - never the model names -
and answers 1 or 2. Without a judge, reference checks decide: a delivered output that passes
(or has no check) beats one that fails its check, which beats no output. When only one arm
delivered, it wins without asking the judge. Verdicts go to judgments.jsonl; the last row of a
sample counts.

Not verdicts, and left out of the win rate: a pair where the spend guard blocked an arm
(``blocked_pairs``: no model failed there, so no one lost); a pair whose judge call the guard
blocked (``judge_blocked``); a pair the judge left undecided (no 0/1/2 in its answer, or every
attempt failed) or whose delivered output is missing from outputs.jsonl (``undecided``). A
rerun retries judge-blocked and undecided pairs.

With ``judge.both_orders`` the judge sees each pair in both orders: the verdict is the
arm both orders chose, a tie when they disagree (position bias cancels), undecided when either
gave none; ``order_agreement`` is the share of pairs where the two orders agreed.

Win rate of the candidate = (wins + ties / 2) / verdicts, with a Wilson 95% interval.
"""

from __future__ import annotations

import asyncio
import math
import random
import re
from typing import Any

from workbench.probe.sampler import Job
from workbench.probe.summary import quantile

Z95 = 1.959963984540054
DEFAULT_JUDGE_PROMPT = (
    "You compare two answers to the same task. Judge which answer serves the user better: "
    "correct, complete, concise.\n\n### Task\n{task}\n\n### Answer 1\n{first}\n\n"
    "### Answer 2\n{second}\n\nReply with a single character: 1 or 2 (0 if they are equally "
    "good).")
_VERDICT = re.compile(r"[012]")
_SLOT = re.compile(r"\{(task|first|second)\}")


def wilson_interval(successes: float, n: int, z: float = Z95) -> tuple[float, float] | None:
    """Wilson score interval of a proportion (``successes`` may count ties as halves)."""
    if n == 0:
        return None
    p = successes / n
    denom = 1.0 + z * z / n
    center = (p + z * z / (2 * n)) / denom
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denom
    return max(center - half, 0.0), min(center + half, 1.0)


def _rank(final: dict[str, Any] | None) -> int:
    if final is None or final["outcome"] != "ok":
        return 0
    return 1 if final["passed"] is False else 2


def check_verdict(a: dict[str, Any] | None, b: dict[str, Any] | None) -> str:
    """``A``, ``B`` or ``tie`` from outcomes and reference checks."""
    ra, rb = _rank(a), _rank(b)
    return "A" if ra > rb else "B" if rb > ra else "tie"


def first_shown(seed: int, sample: int) -> str:
    """Which arm the judge sees first for ``sample`` (seeded, so reruns show the same)."""
    return "A" if random.Random(f"ab:{seed}:{sample}").random() < 0.5 else "B"


def parse_preference(text: str) -> int | None:
    """1, 2 or 0 (tie) from a judge's answer; None when it gave none."""
    match = _VERDICT.search(text)
    return int(match.group()) if match else None


async def _judge_one(session, sample: int, jobs: dict[str, Job], outputs: dict[int, str],
                     finals: dict[int, dict],
                     semaphore: asyncio.Semaphore) -> dict[str, Any] | None:
    config = session.config
    a, b = jobs["A"], jobs["B"]
    fa, fb = finals.get(a.task_id), finals.get(b.task_id)
    row: dict[str, Any] = {"sample": sample, "task_type": a.task.name, "first": None,
                           "winner": check_verdict(fa, fb), "source": "checks",
                           "judge_cost_usd": 0.0, "judge_outcome": None}
    judge = config.judge
    if judge is not None and session.halted(config.endpoint(judge.endpoint)):
        return None  # judged on a resume once the judge's key works
    if "blocked" in (fa["outcome"], fb["outcome"]):  # type: ignore[index]
        row.update(winner=None, source="blocked")
        return row
    both = _rank(fa) > 0 and _rank(fb) > 0
    if not both:
        row["source"] = "failure" if judge is not None else "checks"
        return row
    if judge is None:
        return row
    first = first_shown(config.sample.seed, sample)
    if a.task_id not in outputs or b.task_id not in outputs:  # a run from before the fix
        row.update(winner=None, source="output_missing")
        return row
    row.update(first=first, source="judge")
    orders = [first, _other(first)] if judge.both_orders else [first]
    winners: list[str | None] = []
    async with semaphore:
        for shown_first in orders:
            asked = await _ask(session, sample, a.prompt, outputs[a.task_id],
                               outputs[b.task_id], shown_first)
            if asked is None:
                return None  # halted: judged on a resume
            preference, outcome, cost = asked
            row["judge_cost_usd"] += cost
            row["judge_outcome"] = outcome
            if outcome == "blocked":
                row["winner"] = None
                return row
            winners.append(None if preference is None else "tie" if preference == 0 else
                           shown_first if preference == 1 else _other(shown_first))
    if judge.both_orders:
        row["winners_by_order"] = winners
    if None in winners:
        row["winner"] = None
    else:  # both orders agree, or each preferred what it showed in one place: a tie
        row["winner"] = winners[0] if len(set(winners)) == 1 else "tie"
    return row


def _other(arm: str) -> str:
    return "B" if arm == "A" else "A"


async def _ask(session, sample: int, task: str, output_a: str, output_b: str,
               shown_first: str) -> tuple[int | None, str, float] | None:
    """Ask the judge with the outputs in one order, retrying what a retry may fix: (its
    preference 1 / 2 / 0 or None, the last outcome, USD spent); None when the run halted."""
    config = session.config
    judge = config.judge
    shown = [output_a, output_b] if shown_first == "A" else [output_b, output_a]
    values = {"task": task, "first": shown[0], "second": shown[1]}
    template = judge.prompt or DEFAULT_JUDGE_PROMPT
    prompt = _SLOT.sub(lambda m: values[m.group(1)], template)  # one pass: outputs stay as is
    endpoint = config.endpoint(judge.endpoint)
    cost = 0.0
    for attempt_no in range(1, config.retry.max_attempts + 1):
        sent = await session.call(endpoint, session.setup.judge_model, prompt,
                                  judge.max_tokens, slot=sample, judge=sample)
        if sent is None:
            return None
        if sent.attempt is None:
            return None, "blocked", cost
        session.settle(sent)
        attempt = sent.attempt
        cost += sent.cost_usd
        if attempt.outcome == "ok" or not attempt.retryable or session.halted(endpoint):
            break
        await asyncio.sleep(session.backoff_s(-sample - 1, attempt_no, attempt.retry_after_s))
    reply = attempt.reply if attempt.outcome == "ok" else None
    return (None if reply is None else parse_preference(reply.text)), attempt.outcome, cost


async def judge_all(session, jobs: list[Job]) -> dict[str, Any]:
    """Verdicts for every sampled task not judged yet, then the A/B report."""
    store = session.store
    records = store.load("records")
    finals = {r["task_id"]: r for r in records if r["final"]}
    outputs = {o["task_id"]: o["text"] for o in store.load("outputs")}
    done = {s for s, j in latest(store.load("judgments")).items() if not retried(j)}
    by_sample: dict[int, dict[str, Job]] = {}
    for job in jobs:
        by_sample.setdefault(job.sample, {})[job.arm] = job
    judge = session.config.judge
    limit = session.config.endpoint(judge.endpoint).max_concurrency if judge else 1
    semaphore = asyncio.Semaphore(limit)

    async def one(sample: int, pair: dict[str, Job]) -> None:
        if pair["A"].task_id not in finals or pair["B"].task_id not in finals:
            return  # an arm was never finished (endpoint stopped): judge on resume
        row = await _judge_one(session, sample, pair, outputs, finals, semaphore)
        if row is not None:
            store.append("judgments", row)

    await asyncio.gather(*(one(s, pair) for s, pair in sorted(by_sample.items())
                           if s not in done))
    return ab_report(records, store.load("judgments"))


def latest(judgments: list[dict[str, Any]]) -> dict[int, dict[str, Any]]:
    """The last verdict row of each sample (a rerun appends retried ones)."""
    return {j["sample"]: j for j in judgments}


def retried(judgment: dict[str, Any]) -> bool:
    """Whether a rerun judges this sample again: no verdict, and not a pair whose arm the
    spend guard blocked (those tasks are final)."""
    return judgment["winner"] is None and judgment["source"] != "blocked"


def ab_report(records: list[dict[str, Any]], judgments: list[dict[str, Any]]) -> dict[str, Any]:
    """Win rate of the candidate (B) with a Wilson 95% interval over decided pairs only, the
    pairs left out (blocked, judge blocked, undecided), and cost, latency and pass rate of
    both arms."""
    judge_cost = sum(j["judge_cost_usd"] for j in judgments)
    judgments = list(latest(judgments).values())
    decided = [j for j in judgments if j["winner"] is not None]
    blocked = [j for j in judgments if j["winner"] is None and j["source"] == "blocked"]
    judge_blocked = [j for j in judgments if j["winner"] is None
                     and j.get("judge_outcome") == "blocked"]
    undecided = [j for j in judgments if j["winner"] is None and j not in blocked
                 and j not in judge_blocked]
    wins = sum(j["winner"] == "B" for j in decided)
    ties = sum(j["winner"] == "tie" for j in decided)
    n = len(decided)
    score = wins + 0.5 * ties
    shown = [j for j in decided if j["first"] is not None and j["winner"] != "tie"]
    both = [j["winners_by_order"] for j in judgments
            if None not in j.get("winners_by_order", [None])]
    arms = {}
    for arm in ("A", "B"):
        rows = [r for r in records if r["policy"] == arm]
        finals = [r for r in rows if r["final"]]
        ok = [r["task_latency_s"] for r in finals if r["task_success"]]
        checked = [r for r in finals if r["task_passed"] is not None]
        arms[arm] = {
            "model": rows[0]["model"] if rows else None, "tasks": len(finals),
            "cost_per_task_usd": sum(r["cost_usd"] for r in rows) / len(finals) if finals
            else None,
            "success_rate": sum(bool(r["task_success"]) for r in finals) / len(finals)
            if finals else None,
            "quality_pass_rate": sum(bool(r["task_passed"]) for r in checked) / len(checked)
            if checked else None,
            "latency_p50_s": quantile(ok, 0.5), "latency_p95_s": quantile(ok, 0.95)}

    def delta(key: str) -> float | None:
        a, b = arms["A"][key], arms["B"][key]
        return None if a is None or b is None else b - a

    return {
        "current": arms["A"], "candidate": arms["B"], "verdicts": n, "candidate_wins": wins,
        "current_wins": n - wins - ties, "ties": ties,
        "blocked_pairs": len(blocked), "judge_blocked": len(judge_blocked),
        "undecided": len(undecided),
        "undecided_samples": sorted(j["sample"] for j in undecided),
        "candidate_win_rate": score / n if n else None,
        "candidate_win_rate_ci95": wilson_interval(score, n),
        "judge_cost_usd": judge_cost,
        "first_shown_win_share": (sum(j["winner"] == j["first"] for j in shown) / len(shown)
                                  if shown else None),
        "order_agreement": sum(w[0] == w[1] for w in both) / len(both) if both else None,
        "cost_per_task_delta_usd": delta("cost_per_task_usd"),
        "latency_p50_delta_s": delta("latency_p50_s"),
        "latency_p95_delta_s": delta("latency_p95_s"),
        "quality_pass_rate_delta": delta("quality_pass_rate"),
    }
