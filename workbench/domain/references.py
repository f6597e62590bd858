"""Cross-reference checks of a parsed scenario: names unique, every reference resolves (routing
conditions on task types, teams, tiers and latency classes included), workflows
acyclic, failure domains consistent, prices resolvable."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from typing import Any, get_args

from workbench.domain.errors import ScenarioError
from workbench.domain.incidents import known_services, parse_utc, read_incidents
from workbench.domain.reachability import check_policy_requirements
from workbench.domain.scenario import Scenario
from workbench.domain.workload import BUILTIN_ATTRIBUTES, Tier

ORDER_COMPARISONS = ("gt", "gte", "lt", "lte")


def check_references(s: Scenario) -> None:
    """Raise ScenarioError (field path and value, no file) on the first broken reference."""
    for field in ("providers", "models", "policies"):
        _unique(field, [item.name for item in getattr(s, field)])
    _unique("workload.task_types", [t.name for t in s.workload.task_types])
    _unique("workload.workflows", [w.name for w in s.workload.workflows])
    _check_models(s)
    _check_domains(s)
    _check_workload(s)
    _check_policies(s)
    check_policy_requirements(s)
    if s.quality_source is not None:
        known = {m.name for m in s.models}
        for model in s.quality_source.models:
            if model not in known:
                raise ScenarioError("unknown model", path="quality_source.models", value=model)
        names = {t.name for t in s.workload.task_types}
        for i, task in enumerate(s.quality_source.task_types):
            if task not in names:
                raise ScenarioError("unknown task type", path=f"quality_source.task_types[{i}]",
                                    value=task)
        if not s.resolve_path(s.quality_source.table).exists():
            raise ScenarioError("no such file or directory", path="quality_source.table",
                                value=s.quality_source.table)
    for i, claim in enumerate(s.claims):
        if claim.policy not in s.policy_names:
            raise ScenarioError("no policy of that name", path=f"claims[{i}].policy",
                                value=claim.policy)
    if s.baseline not in s.policy_names:
        raise ScenarioError(f"no policy of that name (policies: {', '.join(s.policy_names)})",
                            path="baseline", value=s.baseline)


def _unique(field: str, names: list[str]) -> None:
    for name, count in Counter(names).items():
        if count > 1:
            raise ScenarioError("duplicate name", path=f"{field}[{names.index(name, names.index(name) + 1)}].name",
                                value=name)


def _check_models(s: Scenario) -> None:
    providers = {p.name for p in s.providers}
    for i, model in enumerate(s.models):
        if model.provider not in providers:
            raise ScenarioError(f"unknown provider (providers: {', '.join(sorted(providers))})",
                                path=f"models[{i}].provider", value=model.provider)
        if model.price is not None and model.price.ref is not None:
            try:
                model.price.token_price()
            except ScenarioError as exc:
                raise ScenarioError(exc.reason, path=f"models[{i}].price.ref",
                                    value=model.price.ref) from None


def _check_domains(s: Scenario) -> None:
    first: dict[str, tuple[int, tuple]] = {}
    for i, p in enumerate(s.providers):
        if p.incidents is not None:
            _check_incidents(s, i)
        if p.domain in first and first[p.domain][1] != p.outage_params():
            raise ScenarioError(
                "providers sharing a failure_domain share one outage timeline: give them the "
                f"same mtbf_days, mttr_hours, partial_share and incidents as providers[{first[p.domain][0]}]",
                path=f"providers[{i}].failure_domain", value=p.domain)
        first.setdefault(p.domain, (i, p.outage_params()))


def _check_incidents(s: Scenario, i: int) -> None:
    """The incidents file exists and parses, ``incidents_from`` is a date, the incident
    provider has rows, and every named service appears in them (names compared exactly)."""
    p = s.providers[i]
    path = s.resolve_path(str(p.incidents))
    if not path.is_file():
        raise ScenarioError("no such incidents file", path=f"providers[{i}].incidents",
                            value=p.incidents)
    if p.incidents_from is not None:
        parse_utc(p.incidents_from, path=f"providers[{i}].incidents_from")
    try:
        rows = read_incidents(path)
    except ScenarioError as exc:  # a bad row: name the scenario field and the CSV line
        raise ScenarioError(f"{exc.reason} ({p.incidents}, {exc.path})",
                            path=f"providers[{i}].incidents", value=exc.value) from None
    wanted = (p.incident_provider or p.name).lower()
    if not any(r.provider == wanted for r in rows):
        names = sorted({r.provider for r in rows})
        raise ScenarioError(f"no incident of that provider in {p.incidents} (providers: "
                            f"{', '.join(names)})", path=f"providers[{i}].incident_provider",
                            value=p.incident_provider or p.name)
    known = known_services(p, rows)
    for j, service in enumerate(p.incident_services):
        if service not in known:
            raise ScenarioError(f"no incident of {wanted} lists that service (exact names: "
                                f"{', '.join(known[:8])})",
                                path=f"providers[{i}].incident_services[{j}]", value=service)


def _check_workload(s: Scenario) -> None:
    w = s.workload
    in_workflows = {step.task_type for wf in w.workflows for step in wf.steps}
    shares = [t.share for t in w.task_types if t.share is not None]
    for i, task in enumerate(w.task_types):
        path = f"workload.task_types[{i}]"
        if task.latency_class not in s.latency_classes:
            raise ScenarioError(f"unknown latency class (classes: {', '.join(s.latency_classes)})",
                                path=f"{path}.latency_class", value=task.latency_class)
        if task.share is not None and w.total_per_day is None:
            raise ScenarioError("a share needs workload.total_per_day", path=f"{path}.share",
                                value=task.share)
        if task.per_day is None and task.share is None and task.name not in in_workflows:
            raise ScenarioError("no volume: give per_day or share, or use it in a workflow",
                                path=f"{path}.name", value=task.name)
        if shares and task.per_day is not None:
            raise ScenarioError("mix of per_day and share: use one form for all task types",
                                path=f"{path}.per_day", value=task.per_day)
    if shares and abs(sum(shares) - 1.0) > 1e-6:
        raise ScenarioError("task type shares must sum to 1", path="workload.task_types[*].share",
                            value=round(sum(shares), 6))
    if w.total_per_day is not None and not shares:
        raise ScenarioError("total_per_day is given but no task type has a share",
                            path="workload.total_per_day", value=w.total_per_day)
    names = {t.name for t in w.task_types}
    for i, wf in enumerate(w.workflows):
        steps = [st.name for st in wf.steps]
        _unique(f"workload.workflows[{i}].steps", steps)
        for j, step in enumerate(wf.steps):
            if step.task_type not in names:
                raise ScenarioError("unknown task type", value=step.task_type,
                                    path=f"workload.workflows[{i}].steps[{j}].task_type")
            for k, upstream in enumerate(step.after):
                if upstream not in steps:
                    raise ScenarioError("unknown step", value=upstream,
                                        path=f"workload.workflows[{i}].steps[{j}].after[{k}]")
        try:
            wf.order()
        except ValueError:
            raise ScenarioError("steps form a cycle", path=f"workload.workflows[{i}].steps",
                                value=steps) from None


def _check_policies(s: Scenario) -> None:
    models = {m.name for m in s.models}
    keys = set(BUILTIN_ATTRIBUTES) | {"task_type"}
    keys |= {k for t in s.workload.task_types for k in t.attributes}
    named = _named_fields(s)
    for i, policy in enumerate(s.policies):
        for path, name in policy.model_names():
            if name not in models:
                raise ScenarioError(f"unknown model (models: {', '.join(sorted(models))})",
                                    path=f"policies[{i}].{path}", value=name)
        rules = policy.routing.rules if policy.routing else []
        for j, rule in enumerate(rules):
            for key, condition in rule.when.items():
                if key not in keys:
                    raise ScenarioError("condition on a field no task type has",
                                        path=f"policies[{i}].routing.rules[{j}].when", value=key)
                if key in named:
                    _check_named_condition(key, condition, *named[key],
                                           path=f"policies[{i}].routing.rules[{j}].when.{key}")
        teams = sorted({t.team for t in s.workload.task_types})
        for team in policy.team_budgets:
            if team not in teams:
                raise ScenarioError(f"no task type belongs to this team (teams: "
                                    f"{', '.join(teams)})",
                                    path=f"policies[{i}].team_budgets", value=team)
        for where, budget in policy.budget_paths():
            ats = [r.at for r in budget.rules]
            if ats != sorted(ats):
                raise ScenarioError("budget rules must be in increasing order of 'at'",
                                    path=f"policies[{i}].{where}.rules", value=ats)
            _check_downgrade_cycles(f"policies[{i}].{where}", budget.rules,
                                    policy.budget.rules if policy.budget and
                                    where != "budget" else [])


def _named_fields(s: Scenario) -> dict[str, tuple[str, str, list[str]]]:
    """Condition fields whose values are names: what one and several are called, and the
    names that exist (declared task types, tiers and latency classes; teams in use).
    ``category`` is not among them: a scenario replayed on an evaluation table routes by the
    table's prompt groups as categories (`workbench.replay.scenario_policies`)."""
    tasks = s.workload.task_types
    return {"task_type": ("task type", "task types", [t.name for t in tasks]),
            "team": ("team", "teams", sorted({t.team for t in tasks})),
            "tier": ("quality tier", "quality tiers", list(get_args(Tier))),
            "latency_class": ("latency class", "latency classes", list(s.latency_classes))}


def _condition_values(condition: Any, path: str) -> Iterator[tuple[str, Any]]:
    """(field path, value) of every value a condition names: a scalar, a list's items, a
    comparison's target (or its list's items)."""
    if isinstance(condition, dict):
        for op, target in condition.items():
            yield from _condition_values(target, f"{path}.{op}")
    elif isinstance(condition, list):
        for k, value in enumerate(condition):
            yield f"{path}[{k}]", value
    else:
        yield path, condition


def _check_named_condition(key: str, condition: Any, label: str, plural: str,
                           names: list[str], *, path: str) -> None:
    """A condition on a name field names only names that exist, and never compares by order
    (an order comparison on a name never matches)."""
    for op, target in (condition.items() if isinstance(condition, dict) else ()):
        if op in ORDER_COMPARISONS:
            raise ScenarioError(f"{key} is a name: compare it with eq, ne, in or not_in",
                                path=f"{path}.{op}", value=target)
    for where, value in _condition_values(condition, path):
        if value not in names:
            raise ScenarioError(f"unknown {label} ({plural}: {', '.join(names)})", path=where,
                                value=value)


def _check_downgrade_cycles(path: str, rules: list, policy_rules: list) -> None:
    """The downgrade maps in force after each rule (later maps override earlier ones) must
    lead every model to a final model: a cycle such as a -> b -> c -> b never ends. A team's
    maps are checked together with every map of the policy-wide budget (both can be in
    force at once, the team's first)."""
    merged: dict[str, str] = {}
    for rule in policy_rules:
        merged.update(rule.map)
    for j, rule in enumerate(rules):
        merged.update(rule.map)
        cycle = downgrade_cycle(merged)
        if cycle:
            raise ScenarioError("downgrade map loops back on itself (cycle)",
                                path=f"{path}.rules[{j}].map", value=" -> ".join(cycle))


def downgrade_cycle(mapping: dict[str, str]) -> list[str] | None:
    """A cycle of ``mapping`` as [m1, m2, ..., m1] (first found, map order), or None."""
    for start in mapping:
        path = [start]
        while path[-1] in mapping:
            nxt = mapping[path[-1]]
            if nxt in path:
                return path[path.index(nxt):] + [nxt]
            path.append(nxt)
    return None
