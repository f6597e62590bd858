"""``workbench optimize`` (cheapest policy meeting floors) and ``workbench budget-plan``
(thresholds that hold the month's spend under a budget)."""

from __future__ import annotations

from pathlib import Path

import typer

from workbench.cli.output import JsonOption, emit_json
from workbench.domain.errors import ScenarioError


def _share(value: float | None, flag: str) -> None:
    if value is not None and not 0.0 <= value <= 1.0:
        raise ScenarioError("must be a share within [0, 1]", path=flag, value=value)


def _positive(value: float | None, flag: str) -> None:
    if value is not None and not value > 0.0:
        raise ScenarioError("must be positive", path=flag, value=value)


def _write_yaml(path: Path, data, header: str) -> None:
    import yaml

    text = yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=100)
    path.write_text("".join(f"# {line}\n" for line in header.splitlines()) + text,
                    encoding="utf-8")


def _optimize_tables(doc: dict):
    from rich.table import Table

    from workbench.cli.tables import _pct, _seconds, _usd, compact_table

    front = compact_table("Frontier: cheapest policy at each pass-rate floor (epsilon-constraint)")
    for header in ("point", "floor", "cost/mo", "pass", "avail.", "p95 s", "routing"):
        front.add_column(header, justify="left" if header in ("point", "routing") else "right",
                         overflow="fold")
    for p in doc["frontier"]:
        routes = p["policy"]["routing"]
        parts = [f"default {routes.get('default') or 'ladder'}"] + [
            f"{', '.join(r['when']['task_type'])} -> {r.get('model') or 'ladder'}"
            for r in routes.get("rules", [])]
        front.add_row(p["name"].rsplit("-", 1)[-1], _pct(p["pass_floor"]),
                      _usd(p["monthly_cost_usd"]), _pct(p["quality_pass_rate"]),
                      _pct(p["availability"], 3), _seconds(p["latency_p95_s"]), "; ".join(parts))
    best = doc["best"]
    rec = Table(title=f"Recommended: {best['name']} ({best['global_choice']})",
                title_justify="left", show_header=True)
    for header in ("", "cost/mo", "pass", "avail.", "p95 s"):
        rec.add_column(header, justify="right" if header else "left")
    rec.add_row("estimate", _usd(best["monthly_cost_usd"]), _pct(best["quality_pass_rate"]),
                _pct(best["availability"], 3), _seconds(best["latency_p95_s"]))
    sim = best.get("simulated")
    if sim:
        ci = sim["monthly_cost_usd_ci95"] or [None, None]
        rec.add_row(f"simulated ({sim['replications']} x {sim['days']:g} d)",
                    f"{_usd(sim['monthly_cost_usd'])}\n[{_usd(ci[0])}, {_usd(ci[1])}]",
                    _pct(sim["quality_pass_rate"]), _pct(sim["availability"], 3),
                    _seconds(sim["latency_p95_s"]))
    task = compact_table("Assignment per task type")
    task.add_column("task type", overflow="fold")
    task.add_column("model or ladder", overflow="fold")
    for name, choice in best["assignment"].items():
        task.add_row(name, choice)
    bind = compact_table("Constraints")
    for header in ("constraint", "limit", "value", "binding", "next cheaper option"):
        bind.add_column(header, overflow="fold")
    for b in doc["binding"]:
        nxt = b.get("next_option")
        text = "-" if not nxt else (
            f"{_usd(nxt['monthly_cost_usd'])}, pass {_pct(nxt['quality_pass_rate'])}: violates "
            + ", ".join(f"{v['constraint']} ({v['value']} vs {v['limit']})"
                        for v in nxt["violates"]))
        bind.add_row(b["label"], f"{b['limit']:g}", "-" if b["value"] is None
                     else f"{b['value']:g}", "yes" if b["binding"] else "no", text)
    nxt = doc.get("next_cheaper")
    if nxt:
        bind.add_row("next cheaper on the frontier", "-", "-", "-",
                     f"{nxt['name']}: {_usd(nxt['monthly_cost_usd'])}, pass "
                     f"{_pct(nxt['quality_pass_rate'])}: violates "
                     + (", ".join(f"{v['constraint']} ({v['value']} vs {v['limit']})"
                                  for v in nxt["violates"]) or "nothing"))
    th = doc.get("budget_thresholds")
    if th:
        bind.add_row("budget thresholds", "-", "-", "-",
                     f"{th['chosen']['name']}: P(month over) "
                     f"{_pct(th['chosen']['overrun_probability'])} (without rules "
                     f"{_pct(th['overrun_probability_without_rules'])}); budget-plan for more")
    s = doc["searched"]
    summary = (f"Searched {s['space_size']:,} policies ({s['global_choices']} ladder x failover "
               f"choices, {s['blocks']} blocks of task types, {s['candidate_models']} models): "
               f"{s['estimator_evaluations']:,} estimator evaluations, "
               f"{s['columns_after_dominance']:,} options left after dominance, "
               f"{s['milp_solves']} integer programs, proved optimal: "
               f"{'yes' if s['proved_optimal'] else 'no (gap ' + str(s['mip_gap']) + ')'}; "
               f"{s['seconds']:.2f} s")
    return [front, rec, task, bind], summary


def register(app: typer.Typer) -> None:
    """Add ``optimize`` and ``budget-plan``."""

    @app.command()
    def optimize(
        file: Path = typer.Argument(..., help="Scenario YAML file."),
        min_pass: float = typer.Option(None, "--min-pass", help="Quality pass-rate floor."),
        min_availability: float = typer.Option(None, "--min-availability",
                                               help="Availability floor (share on time)."),
        max_p95_s: float = typer.Option(None, "--max-p95-s", help="Latency p95 cap, s."),
        budget_usd: float = typer.Option(None, "--budget-usd", help="Monthly cost cap, USD."),
        objective: str = typer.Option("cost", "--objective", help="cost | quality."),
        points: int = typer.Option(10, "--points", help="Pass floors on the frontier."),
        max_rungs: int = typer.Option(3, "--max-rungs", help="Longest generated ladder."),
        model: list[str] = typer.Option(None, "--model", "-m",
                                        help="Candidate models (default: all the scenario's)."),
        replications: int = typer.Option(3, "--replications", "-r",
                                         help="Simulation runs checking the result (0: none)."),
        out: Path = typer.Option(None, "--out", help="Write the policy as YAML (one entry for "
                                                     "the scenario's policies list)."),
        scenario_out: Path = typer.Option(None, "--scenario-out",
                                          help="Write the scenario with the policy added."),
        dask: str = typer.Option(None, "--dask",
                                 help="Dask scheduler address: the estimator terms of the "
                                      "space are computed on the cluster."),
        workers: int = typer.Option(0, "--workers",
                                    help="Local processes for the estimator terms (0: every "
                                         "CPU when the space has 1,000 options or more)."),
        as_json: bool = JsonOption,
    ) -> None:
        """Cheapest policy (routing per task type, ladder, failover) meeting the floors:
        exact over the searched space, with the frontier and the binding constraints."""
        from workbench.cli.executors import dask_executor
        from workbench.domain.loader import load_scenario, read_yaml_mapping
        from workbench.planner.model import Constraints
        from workbench.planner.recommendation import optimize as run_optimize
        from workbench.planner.recommendation import policy_mapping

        _share(min_pass, "--min-pass")
        _share(min_availability, "--min-availability")
        _positive(max_p95_s, "--max-p95-s")
        _positive(budget_usd, "--budget-usd")
        if objective not in ("cost", "quality"):
            raise ScenarioError("must be cost or quality", path="--objective", value=objective)
        if points < 1:
            raise ScenarioError("must be at least 1", path="--points", value=points)
        if not 1 <= max_rungs <= 5:
            raise ScenarioError("must be within 1..5", path="--max-rungs", value=max_rungs)
        if replications < 0:
            raise ScenarioError("must be >= 0", path="--replications", value=replications)
        scenario = load_scenario(file)
        cons = Constraints(min_pass, min_availability, max_p95_s, budget_usd)
        if workers < 0:
            raise ScenarioError("must be 0 (automatic) or more", path="--workers", value=workers)
        with dask_executor(dask) as executor:
            plan = run_optimize(scenario, cons, objective, points, models=model or None,
                                max_rungs=max_rungs, replications=replications,
                                executor=executor, workers=workers or None)
        doc = plan.to_json()
        header = (f"Found by workbench optimize on {file.name} (objective {objective}; "
                  + ", ".join(f"{k} {v:g}" for k, v in doc["constraints"].items()) + ")")
        if out is not None:
            _write_yaml(out, [policy_mapping(plan.policy)],
                        header + "\nAdd this entry under `policies:` of the scenario.")
        if scenario_out is not None:
            data = read_yaml_mapping(file)
            data["policies"] = list(data.get("policies", [])) + [policy_mapping(plan.policy)]
            _write_yaml(scenario_out, data, header + f"\nA copy of {file.name} with the policy "
                        "added (relative paths resolve against this file's folder).")
        if as_json:
            emit_json(doc)
            return
        from workbench.cli.tables import print_tables

        tables, summary = _optimize_tables(doc)
        typer.echo(summary)
        print_tables(tables)
        if out is not None:
            typer.echo(f"policy written to {out}")

    @app.command("budget-plan")
    def budget_plan(
        file: Path = typer.Argument(..., help="Scenario YAML file."),
        policy: str = typer.Option(..., "--policy", "-p", help="Policy to plan thresholds for."),
        monthly_usd: float = typer.Option(..., "--monthly-usd", help="Monthly budget B, USD."),
        max_overrun_prob: float = typer.Option(0.05, "--max-overrun-prob",
                                               help="Highest acceptable P(month > B)."),
        months: int = typer.Option(2000, "--months", help="Monte Carlo months."),
        level_sd: float = typer.Option(0.0, "--level-sd",
                                       help="Month volume level uncertainty (lognormal sd)."),
        spike_prob: float = typer.Option(0.0, "--spike-prob", help="P(a day is a spike)."),
        spike_factor: float = typer.Option(3.0, "--spike-factor", help="Volume on a spike day."),
        month: int = typer.Option(0, "--month", help="Month to plan (0: the first; growth)."),
        seed: int = typer.Option(None, help="Seed (default: the scenario's)."),
        team: str = typer.Option(None, "--team",
                                 help="Plan this team's own budget (team_budgets) on its "
                                      "task types' spend."),
        as_json: bool = JsonOption,
    ) -> None:
        """Downgrade / block thresholds that keep P(month's spend > B) within the limit while
        keeping the most work passed; blocked tasks are deferred work, not outage."""
        from workbench.domain.loader import load_scenario
        from workbench.planner.budget_plan import Demand
        from workbench.planner.budget_plan import budget_plan as run_plan

        _positive(monthly_usd, "--monthly-usd")
        _share(max_overrun_prob, "--max-overrun-prob")
        _share(spike_prob, "--spike-prob")
        _positive(spike_factor, "--spike-factor")
        if level_sd < 0:
            raise ScenarioError("must be >= 0", path="--level-sd", value=level_sd)
        if not 50 <= months <= 1_000_000:
            raise ScenarioError("must be within 50..1,000,000", path="--months", value=months)
        if month < 0:
            raise ScenarioError("must be >= 0", path="--month", value=month)
        scenario = load_scenario(file)
        if policy not in scenario.policy_names:
            raise ScenarioError(f"no policy of that name (policies: "
                                f"{', '.join(scenario.policy_names)})", file=str(file),
                                path="--policy", value=policy)
        teams = sorted({t.team for t in scenario.workload.task_types})
        if team is not None and team not in teams:
            raise ScenarioError(f"no task type belongs to this team (teams: {', '.join(teams)})",
                                file=str(file), path="--team", value=team)
        doc = run_plan(scenario, policy, monthly_usd, max_overrun_prob, months,
                       Demand(level_sd, spike_prob, spike_factor, month), seed, team)
        if as_json:
            emit_json(doc)
            return
        _print_budget_plan(doc)


def _print_budget_plan(doc: dict) -> None:
    from workbench.cli.tables import _pct, _usd, compact_table, print_tables

    whose = f", team {doc['team']}'s budget" if doc.get("team") else ", budget"
    table = compact_table(f"{doc['policy']}: candidates over {doc['months']:,} simulated months"
                     f"{whose} {_usd(doc['budget_usd'])}")
    for header in ("candidate", "P(over)", "upper 95%", "mean/mo", "p95/mo", "pass",
                   "passed/all", "deferred/mo"):
        table.add_column(header, justify="left" if header == "candidate" else "right",
                         overflow="fold")
    for c in doc["candidates"]:
        mark = " *" if c["name"] == doc["chosen"]["name"] else ""
        table.add_row(c["name"] + mark, _pct(c["overrun_probability"]),
                      _pct(c["overrun_probability_upper95"]), _usd(c["mean_month_usd"]),
                      _usd(c["p95_month_usd"]), _pct(c["quality_pass_rate"]),
                      _pct(c["passed_share_of_all_tasks"]), f"{c['deferred_tasks_per_month']:,.0f}")
    fan = doc["fan_chart_usd"]
    chart = compact_table("Spend path of the chosen plan (month to date, USD quantiles)")
    for header in ("day", "p5", "p25", "p50", "p75", "p95"):
        chart.add_column(header, justify="right")
    days = fan["days"]
    for i in sorted({min(d, len(days)) - 1 for d in (1, 5, 10, 15, 20, 25, len(days))}):
        chart.add_row(str(days[i]), *(_usd(fan[q][i]) for q in ("p5", "p25", "p50", "p75",
                                                                  "p95")))
    chosen = doc["chosen"]
    verdict = ("meets" if doc["meets_limit"] else "NO candidate meets")
    typer.echo(f"Chosen: {chosen['name']} - P(month > budget) {_pct(chosen['overrun_probability'])}"
               f" (upper 95% {_pct(chosen['overrun_probability_upper95'])}; {verdict} the "
               f"{_pct(doc['max_overrun_prob'])} limit); deferred (blocked, not outage): "
               f"{chosen['deferred_tasks_per_month']:,.0f} tasks a month")
    for rule, tasks in chosen["affects"].items():
        typer.echo(f"  {rule}: {', '.join(tasks) or 'no task type'}")
    print_tables([table, chart])
