"""Write the job notebooks (without outputs) from the cells below: ``python notebooks/build.py``.

One notebook per user job; each runs top to bottom on bundled data with no network and small
simulation sizes (the tests execute them). Edit the cells here, not the .ipynb files.
"""

from __future__ import annotations

from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

HERE = Path(__file__).resolve().parent

SETUP = """\
from pathlib import Path

import polars as pl

from workbench import estimate, load_scenario

ROOT = Path.cwd().parent if Path.cwd().name == "notebooks" else Path.cwd()
SCENARIOS = ROOT / "scenarios"
pl.Config.set_tbl_cols(12)"""

SETUP_REPLAY = """\
from pathlib import Path

import polars as pl

ROOT = Path.cwd().parent if Path.cwd().name == "notebooks" else Path.cwd()"""

NOTEBOOKS: dict[str, list[tuple[str, str]]] = {
    "00_audit_from_logs.ipynb": [
        ("md", ("# Audit from logs\n\nA month of a LiteLLM proxy's SpendLogs becomes a scenario: "
               "volumes, token sizes and arrival profiles per task type (from the `task:` "
               "request tags), the models each task type uses today, and measured quality from "
               "reviewers' scores. The estimate of `today` on the fitted scenario is reconciled "
               "with the spend the logs observed, and the provider's own usage export shows the "
               "calls that bypassed the gateway. The files in `data/audit/` are synthetic "
               "(see their SOURCE.md).")),
        ("code", """\
from pathlib import Path
import tempfile

import polars as pl

from workbench.audit import audit_logs

ROOT = Path.cwd().parent if Path.cwd().name == "notebooks" else Path.cwd()
DATA = ROOT / "data" / "audit"
audit = audit_logs([DATA / "litellm_spendlogs_march.csv.gz"],
                   usage=[DATA / "openai_usage_march.json"],
                   scores=[DATA / "reviewer_scores_march.csv"])
doc = audit.to_json()
doc["observed"]"""),
        ("md", "## The fitted workload\n\nPer task type: calls per day, token sizes (p50 / p95) "
               "and the models it went to."),
        ("code", """\
pl.DataFrame([{"task_type": name, **{k: v for k, v in t.items() if k != "models"},
               "models": ", ".join(f"{m} {s:.0%}" for m, s in t["models"].items())}
              for name, t in doc["task_types"].items()])"""),
        ("md", "## Retries and fallbacks\n\nA failed call followed, in the same trace, by a "
               "call to another model is a fallback: the request counts once, and the backups "
               "each model fell back to become `today`'s `failover.fallbacks`."),
        ("code", """\
fallbacks = doc["fallbacks"]
print(f"{fallbacks['fallback_calls']} fallback calls after "
      f"{fallbacks['failed_first_calls']} failed first calls")
fallbacks["today_failover"]"""),
        ("md", "## Reconciliation\n\nThe estimate of `today` against the observed month, what "
               "explains the difference, and the spend per team."),
        ("code", """\
print(f"observed ${doc['observed']['monthly_cost_usd']:,.2f}/month, estimate "
      f"${doc['estimated_monthly_cost_usd']:,.2f} ({doc['residual_share']:+.2%})")
pl.DataFrame([{"team": k, **v} for k, v in doc["teams"].items()])"""),
        ("md", "## Spend the gateway never saw\n\nThe provider's usage minus what the gateway "
               "logged, per day and model, at list price."),
        ("code", """\
pl.DataFrame(doc["untracked"]["rows"])"""),
        ("md", "## The scenario\n\nWritten as YAML that `workbench validate` accepts; every "
               "other command works on it."),
        ("code", """\
from workbench.domain import load_scenario
from workbench.estimator import estimate

path = Path(tempfile.mkdtemp()) / "audited.yaml"
audit.write_scenario(path)
estimate(load_scenario(path)).to_json()["policies"]["today"]["monthly_cost_usd"]"""),
    ],
    "01_compare_policies.ipynb": [
        ("md", ("# Compare routing policies\n\nThe support desk of the seed article: GPT-4 for "
               "every ticket (`baseline`) against routing by complexity (`routed`). First the "
               "closed-form estimate, then a small Monte Carlo simulation (2 replications of 3 "
               "days) of the same scenario: the two should agree within sampling error.")),
        ("code", SETUP),
        ("code", """\
from workbench.metrics.scenario_frames import kpi_frame

scenario = load_scenario(SCENARIOS / "support_desk.yaml")
expected = estimate(scenario).to_json()
kpi_frame(expected["policies"])"""),
        ("code", """\
from workbench import simulate

result = simulate(scenario, replications=2, days=3)
simulated = result.to_json()
kpi_frame(simulated["policies"])"""),
        ("md", ("Simulated monthly cost against the estimate (the estimate should sit near the "
               "simulated 95% interval; with 3 days and 2 runs the interval is wide):")),
        ("code", """\
rows = []
for name, s in simulated["policies"].items():
    low, high = s["monthly_cost_usd_ci95"]
    rows.append({"policy": name, "estimate": expected["policies"][name]["monthly_cost_usd"],
                 "simulated": s["monthly_cost_usd"], "ci95_low": low, "ci95_high": high})
comparison = pl.DataFrame(rows)
assert (comparison["simulated"] / comparison["estimate"] - 1).abs().max() < 0.05
comparison"""),
        ("code", """\
from workbench.metrics import series
from workbench.viz.compare import policy_frontier_figure
from workbench.viz.cost import breakdown_figure, cost_over_time_figure

policy_frontier_figure(simulated["policies"], simulated["baseline"]).show()
breakdown_figure(expected["policies"], "model").show()
cost_over_time_figure(series.cost_over_time(result.records), "routed").show()"""),
        ("code", """\
from workbench.viz.latency import latency_cdf_figure
from workbench.viz.sankey import flow_sankey_figure

flow_sankey_figure(series.task_flows(result.records, "routed"), "routed").show()
latency_cdf_figure(series.latency_cdf(result.records),
                   {n: c.deadline_s for n, c in scenario.latency_classes.items()}).show()"""),
    ],
    "02_budget_thresholds.ipynb": [
        ("md", ("# Plan budget thresholds\n\nThe content pipeline's `per_step_budget` policy: a "
               "$120 monthly budget, a downgrade of the draft model at 70% and a block of "
               "non-critical steps at 90%. When does each rule fire, what does it cost in "
               "quality, and what would other budgets do?")),
        ("code", SETUP),
        ("code", """\
from workbench.estimator.budget_effects import expected_spend, rule_impacts

scenario = load_scenario(SCENARIOS / "content_pipeline.yaml")
policy = "per_step_budget"
expected = estimate(scenario).to_json()["policies"][policy]
print("monthly cost", round(expected["monthly_cost_usd"], 2), "USD; rules fired:",
      expected["budget_firings"])
rule_impacts(scenario, policy)"""),
        ("code", """\
from workbench.viz.budget import burn_down_figure, rule_impact_figure

spec = scenario.policy(policy)
rules = [{"at": r.at, "action": r.action} for r in spec.budget.rules]
burn_down_figure(expected_spend(scenario, policy), policy, spec.budget.monthly_usd, rules,
                 expected["budget_firings"]).show()
rule_impact_figure(rule_impacts(scenario, policy)).show()"""),
        ("md", "The same month simulated once (the batch path; one replication):"),
        ("code", """\
from workbench import simulate
from workbench.metrics import series

result = simulate(scenario, replications=1, policies=[policy])
firings = result.summaries[policy]["budget_firings"]
spend = series.month_to_date_spend(result.records, scenario.days_per_month)
burn_down_figure(spend, policy, spec.budget.monthly_usd, rules, firings).show()
pl.DataFrame(firings)"""),
        ("md", "What other monthly budgets would do (closed form):"),
        ("code", """\
from workbench.domain import edits

rows = []
for monthly in (60, 90, 120, 150, 200):
    data = spec.model_dump(mode="json", exclude_none=True)
    data["budget"]["monthly_usd"] = monthly
    trial = edits.with_policy(scenario, data)
    s = estimate(trial).to_json()["policies"][policy]
    rows.append({"monthly_budget_usd": monthly, "monthly_cost_usd": s["monthly_cost_usd"],
                 "quality_pass_rate": s["quality_pass_rate"],
                 "rules_fired": len(s["budget_firings"])})
sweep = pl.DataFrame(rows)
assert (sweep["monthly_cost_usd"] <= sweep["monthly_budget_usd"] + 1e-6).all()
sweep"""),
    ],
    "03_reliability_outages.ipynb": [
        ("md", ("# Reliability under outages\n\nOne provider against a failover chain across "
               "providers, with outage rates from published incident data "
               "(`data/outages/SOURCE.md`). A short simulation (2 replications of 2 days) shows "
               "the outage timeline, availability and failovers; the estimator sweeps MTBF.")),
        ("code", SETUP),
        ("code", """\
from workbench.metrics.scenario_frames import providers_frame

scenario = load_scenario(SCENARIOS / "multi_provider_failover.yaml")
providers_frame(scenario)"""),
        ("code", """\
from workbench import simulate

result = simulate(scenario, replications=2, days=2, policies=["single", "failover"])
doc = result.to_json()
pl.DataFrame([{"policy": n, "availability": s["availability"], "failovers": s["failovers"],
               "monthly_cost_usd": s["monthly_cost_usd"]} for n, s in doc["policies"].items()])"""),
        ("code", """\
from workbench.metrics import series
from workbench.viz import reliability

reliability.outage_timeline_figure(series.outage_spans(result.outages),
                                   [p.name for p in scenario.providers], result.days).show()
reliability.availability_figure(doc["policies"]).show()
reliability.event_counts_figure(doc["policies"]).show()"""),
        ("md", ("What if the primary provider failed more or less often? (closed form; MTTR "
               "kept)")),
        ("code", """\
from workbench.domain import edits

primary = scenario.provider_of(scenario.policy("single").routing.default)
rows = []
for mtbf_days in (2, 5, 10, 30, 90):
    trial = edits.with_outages(scenario, primary.name, mtbf_days, primary.mttr_hours)
    policies = estimate(trial).to_json()["policies"]
    rows.append({"mtbf_days": mtbf_days, **{f"availability_{n}": policies[n]["availability"]
                                            for n in ("single", "failover")}})
sweep = pl.DataFrame(rows)
assert (sweep["availability_failover"] >= sweep["availability_single"] - 1e-9).all()
sweep"""),
    ],
    "04_roi_for_leadership.ipynb": [
        ("md", ("# ROI for leadership\n\nThe support desk's routing change: what it saves, what "
               "it costs in rework, when it pays back, and how sensitive that is to the "
               "assumptions. Ends with the self-contained HTML report a manager can send.")),
        ("code", SETUP),
        ("code", """\
from workbench.metrics.scenario_frames import finance_frame

scenario = load_scenario(SCENARIOS / "support_desk.yaml")
doc = estimate(scenario).to_json()
roi = doc["policies"]["routed"]["roi"]
print({k: round(v, 2) if isinstance(v, float) else v for k, v in roi.items()})
finance_frame(scenario)"""),
        ("code", """\
from workbench.viz.roi import payback_figure, waterfall_figure

waterfall_figure(doc["policies"]["baseline"]["monthly_cost_usd"], roi, "routed").show()
payback_figure(roi, "routed").show()"""),
        ("md", ("Sensitivity: net monthly benefit and payback by rework minutes and hourly "
               "rate (every other assumption as in the scenario).")),
        ("code", """\
from workbench.domain import edits

rows = []
for minutes in (0, 5, 10):
    for rate in (25, 45, 65):
        trial = edits.with_finance(scenario, {"rework_minutes": minutes, "hourly_rate_usd": rate})
        r = estimate(trial).to_json()["policies"]["routed"]["roi"]
        rows.append({"rework_minutes": minutes, "hourly_rate_usd": rate,
                     "net_monthly_usd": r["net_monthly_usd"],
                     "payback_months": r["payback_months"]})
sensitivity = pl.DataFrame(rows)
# with no rework cost the net is the token savings less tooling
no_rework = sensitivity.filter(pl.col("rework_minutes") == 0)["net_monthly_usd"]
assert no_rework.n_unique() == 1
sensitivity"""),
        ("code", """\
import tempfile

from workbench import report

out = Path(tempfile.mkdtemp()) / "support_desk-report.html"
report(scenario, out, policy="routed")
print(out, out.stat().st_size, "bytes")"""),
    ],
    "05_evaluation_replay.ipynb": [
        ("md", ("# Evaluation replay\n\nReal per-prompt results (RouteLLM's GSM8K responses of "
               "GPT-4 and Mixtral, `data/routellm/SOURCE.md`) replayed through single models, "
               "the oracle, random and threshold routers and a cascade: the quality-cost "
               "frontier with measured quality instead of assumed profiles.")),
        ("code", SETUP_REPLAY),
        ("code", """\
from workbench import replay

doc = replay(ROOT / "data" / "routellm", "routellm", benchmark="gsm8k", seed=0,
             judge_errors=(0.0, 0.1))
print(doc["prompts_replayed"], "prompts; strong", doc["strong"], "weak", doc["weak"])
pl.DataFrame([{"name": name, "quality": m["quality"], "cost_usd": m["cost_usd"]}
              for name, m in doc["models"].items()])"""),
        ("code", """\
from workbench.viz.frontier import frontier_figure

frontier_figure(doc).show()"""),
        ("code", """\
policies = pl.DataFrame([{k: p.get(k) for k in ("name", "kind", "quality", "cost_usd",
                                                 "strong_share")} for p in doc["policies"]])
assert doc["oracle"]["quality"] >= max(m["quality"] for m in doc["models"].values())
policies"""),
    ],
    "06_plan_policy_and_budget.ipynb": [
        ("md", ("# Plan a policy and its budget thresholds\n\nThe marketing agency's 14 task "
               "types: the cheapest routing (a model or an escalation ladder per task type, "
               "one ladder and one failover plan for the policy) that keeps the pass rate at "
               "93% or more - exact over the whole space, by an integer program over the "
               "estimator's per-task-type terms - then the budget thresholds that keep "
               "P(month over budget) under 5%.")),
        ("code", SETUP),
        ("code", """\
from workbench.planner.model import Constraints
from workbench.planner.recommendation import optimize

scenario = load_scenario(SCENARIOS / "marketing_14_tasks.yaml")
plan = optimize(scenario, Constraints(min_pass=0.93, max_p95_s=8.0), max_rungs=2,
                replications=1, points=6)
doc = plan.to_json()
doc["searched"]"""),
        ("md", "The frontier: the cheapest policy at each pass-rate floor."),
        ("code", """\
import plotly.express as px

frontier = pl.DataFrame([{k: p[k] for k in ("name", "pass_floor", "monthly_cost_usd",
                                            "quality_pass_rate", "availability",
                                            "latency_p95_s")} for p in doc["frontier"]])
px.line(frontier.to_pandas(), x="quality_pass_rate", y="monthly_cost_usd", markers=True,
        title="Cheapest monthly cost at each pass rate").show()
frontier"""),
        ("md", ("The recommendation, checked by the estimator and by a simulation (95% "
               "interval), and the constraint that binds:")),
        ("code", """\
best = doc["best"]
assert best["estimated"]["violates"] == [] and best["simulated"]["confirmed"]
print(best["global_choice"], best["monthly_cost_usd"], best["simulated"]["monthly_cost_usd_ci95"])
pl.DataFrame([{k: b.get(k) for k in ("label", "limit", "value", "binding")}
              for b in doc["binding"]])"""),
        ("md", ("Budget thresholds for the article's `routed` policy with a $285 monthly "
               "budget (its expected month is about $288): demand varies day to day (Poisson "
               "arrivals), the month's level by 5% and 2% of days are spikes of 3x.")),
        ("code", """\
from workbench.planner.budget_plan import Demand, budget_plan

print("expected month of routed:", round(estimate(scenario).policies["routed"].monthly_cost_usd, 2))
budget = budget_plan(scenario, "routed", 285.0, max_overrun_prob=0.05, months=1000,
                     demand=Demand(level_sd=0.05, spike_prob=0.02))
print("chosen:", budget["chosen"]["name"], budget["chosen"]["affects"])
pl.DataFrame([{k: c[k] for k in ("name", "overrun_probability", "mean_month_usd",
                                 "passed_share_of_all_tasks", "deferred_tasks_per_month")}
              for c in budget["candidates"]])"""),
        ("code", """\
fan = budget["fan_chart_usd"]
fan_frame = pl.DataFrame({"day": fan["days"], **{q: fan[q] for q in ("p5", "p50", "p95")}})
px.line(fan_frame.to_pandas(), x="day", y=["p5", "p50", "p95"],
        title="Month-to-date spend of the chosen plan (USD)").show()"""),
    ],
}


def build(folder: Path = HERE) -> list[Path]:
    """Write every notebook (no outputs) into ``folder``."""
    written = []
    for name, cells in NOTEBOOKS.items():
        made = [new_markdown_cell(src) if kind == "md" else new_code_cell(src)
                for kind, src in cells]
        for i, cell in enumerate(made):
            cell["id"] = f"{Path(name).stem[:2]}-{i:02d}"  # stable ids: clean diffs
        nb = new_notebook(cells=made,
                          metadata={"kernelspec": {"name": "python3", "display_name": "Python 3",
                                                   "language": "python"},
                                    "language_info": {"name": "python"}})
        path = folder / name
        nbformat.write(nb, str(path))
        written.append(path)
    return written


if __name__ == "__main__":
    for path in build():
        print(path)
