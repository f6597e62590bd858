"""Bad input never crashes: every broken scenario gives exit 2 and one message naming the
file, the field path and the bad value; arbitrary YAML gives exit 2 with one line naming the
file, or a valid scenario whose estimate holds its invariants (tests/rules/invariants.py)."""

from __future__ import annotations

import contextlib
import copy
import io
import json
import subprocess
import sys
import tempfile
from pathlib import Path
from unittest import mock

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.rules.invariants import check_estimate
from workbench import cli
from workbench.domain import ScenarioError, load_scenario
from workbench.domain.errors import WorkbenchError
from workbench.estimator import estimate

REPO_ROOT = Path(__file__).resolve().parents[1]
BROKEN = sorted((REPO_ROOT / "tests" / "broken").glob("*.yaml"))


def expectations(path: Path) -> dict[str, str]:
    """The ``# expect-<key>: <text>`` header lines of a corpus file."""
    out = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.startswith("# expect-"):
            key, _, text = line[len("# expect-"):].partition(":")
            out[key] = text.strip()
    return out


def test_corpus_is_large_enough():
    """At least 25 broken scenarios, each with its expectations stated in its header."""
    assert len(BROKEN) >= 25
    for path in BROKEN:
        assert set(expectations(path)) == {"path", "value", "reason"}, path.name


def _run_cli_in_process(args: list[str], capsys, monkeypatch) -> tuple[int, str, str]:
    monkeypatch.setattr(sys, "argv", ["workbench", *args])
    with pytest.raises(SystemExit) as stop:
        cli.main()
    captured = capsys.readouterr()
    return stop.value.code, captured.out, captured.err


@pytest.mark.parametrize("path", BROKEN, ids=lambda p: p.stem)
def test_broken_scenario_gives_exit_2_and_one_precise_message(path, capsys, monkeypatch):
    """`workbench validate FILE` (the CLI entry point, in process): exit 2, nothing on stdout,
    one line on stderr with the file, the field path, the bad value and the reason."""
    expect = expectations(path)
    code, out, err = _run_cli_in_process(["validate", str(path)], capsys, monkeypatch)
    assert code == 2
    assert out == ""
    message = err.strip()
    assert "\n" not in message, message
    assert "Traceback" not in message
    assert message.startswith("error: ")
    assert path.name in message
    assert expect["path"] in message
    assert expect["value"] in message
    assert expect["reason"] in message


@pytest.mark.parametrize("name", ["yaml_syntax_error", "top_level_list",
                                  "unknown_model_in_routing", "workflow_cycle"])
def test_broken_scenario_through_the_real_command(name):
    """The same through a real process: exit code 2, no traceback, --json prints nothing."""
    path = REPO_ROOT / "tests" / "broken" / f"{name}.yaml"
    out = subprocess.run([sys.executable, "-m", "workbench.cli", "validate", str(path),
                          "--json"], capture_output=True, text=True, timeout=60, check=False)
    assert out.returncode == 2
    assert out.stdout == ""
    assert "Traceback" not in out.stderr
    assert len(out.stderr.strip().splitlines()) == 1
    assert expectations(path)["path"] in out.stderr


def test_missing_file_is_bad_input(capsys, monkeypatch):
    """A file that is not there: exit 2 naming it."""
    code, _, err = _run_cli_in_process(["validate", "no/such/scenario.yaml"], capsys,
                                       monkeypatch)
    assert code == 2
    assert "no/such/scenario.yaml: file not found" in err


def test_overlay_merges_into_models(write_scenario):
    """An overlay patches a model by name (as `workbench calibrate` writes them)."""
    write_scenario("models:\n  m:\n    latency: {ttft_median_s: 2.0, ttft_p95_s: 4.0}\n",
                   name="overlay.yaml")
    path = write_scenario(_tiny() + "overlays: [overlay.yaml]\n")
    scenario = load_scenario(path)
    assert scenario.model("m").latency.ttft_median_s == 2.0
    assert scenario.model("m").price.input_per_mtok_usd == 1.0


def test_overlay_naming_an_unknown_model(write_scenario):
    """An overlay entry that matches nothing is an error naming the overlay file."""
    write_scenario("models:\n  ghost: {tier: premium}\n", name="overlay.yaml")
    path = write_scenario(_tiny() + "overlays: [overlay.yaml]\n")
    with pytest.raises(ScenarioError) as error:
        load_scenario(path)
    assert "overlay.yaml" in str(error.value)
    assert "models.ghost" in str(error.value)


def test_routing_conditions_on_names_that_exist_load_in_every_form(write_scenario):
    """Scalars, lists and eq / ne / in / not_in comparisons naming task types (a workflow-only
    one included), teams, tiers and latency classes that exist all validate, and route as
    written (the broken corpus holds the unknown names). Categories are free: a scenario
    replayed on an evaluation table routes by the table's groups as categories."""
    from workbench.policies.routing import Route, route

    scenario = load_scenario(write_scenario("""\
name: names
baseline: base
providers: [{name: p}]
models:
  - {name: m, provider: p, price: {input_per_mtok_usd: 1, output_per_mtok_usd: 2}}
  - {name: big, provider: p, price: {input_per_mtok_usd: 10, output_per_mtok_usd: 30}}
workload:
  task_types:
    - {name: simple, per_day: 100, team: support, category: faq}
    - {name: complex, per_day: 20, team: sales, tier: premium, latency_class: batch}
    - {name: step}
  workflows:
    - {name: w, per_day: 5, steps: [{name: only, task_type: step}]}
policies:
  - name: base
    routing: {default: big}
  - name: routed
    routing:
      default: big
      rules:
        - {when: {task_type: [simple, step], team: {ne: sales}}, model: m}
        - {when: {tier: {in: [premium, basic]}, latency_class: batch}, model: big}
        - {when: {category: {not_in: [a_table_group]}, task_type: {eq: complex}}, model: m}
"""))
    routed, task = scenario.policy("routed"), scenario.workload.task_type
    assert [route(routed, task(n)) for n in ("simple", "complex", "step")] == [
        Route("m", 0), Route("big", 1), Route("m", 0)]


def _tiny() -> str:
    return (REPO_ROOT / "tests" / "broken" / "unknown_model_in_routing.yaml").read_text(
        encoding="utf-8").replace("gpt-9", "m")


# ---------------------------------------------------------------- Hypothesis: never a traceback

_SCRATCH = Path(tempfile.mkdtemp(prefix="workbench-loader-"))


def _load_text(text: str, then_estimate: bool = False) -> None:
    """Either ``workbench validate`` exits 2 with one line naming the file (and the error
    says the same), or the scenario is valid - and then, with ``then_estimate``, its estimate
    satisfies the invariants of tests/rules/invariants.py (costs >= 0, rates in [0, 1],
    totals equal to their recomputation from the breakdown) and is finite JSON."""
    path = _SCRATCH / "fuzz.yaml"
    path.write_text(text, encoding="utf-8")
    try:
        scenario = load_scenario(path)
    except WorkbenchError as exc:
        message = str(exc)
        assert message.startswith(f"{path}: "), message  # names the file first
        assert len(message) > len(f"{path}: ") and "\n" not in message
        code, err = _validate_in_process(path)
        assert code == 2
        assert err.strip() == f"error: {message}"
        return
    assert _validate_in_process(path)[0] == 0
    if then_estimate:  # what validates, estimates: invariants hold, finite JSON
        result = estimate(scenario)
        check_estimate(scenario, result)
        json.dumps(result.to_json(), allow_nan=False)


def _validate_in_process(path: Path) -> tuple[int, str]:
    """Exit code and stderr of ``workbench validate PATH`` run in this process."""
    err = io.StringIO()
    with mock.patch.object(sys, "argv", ["workbench", "validate", str(path)]), \
            contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
        try:
            cli.main()
        except SystemExit as stop:
            return int(stop.code or 0), err.getvalue()
    return 0, err.getvalue()


scalars = st.one_of(st.none(), st.booleans(), st.integers(-10**6, 10**6),
                    st.floats(allow_nan=True, allow_infinity=True),
                    st.text(max_size=12))
structures = st.recursive(
    scalars,
    lambda children: st.one_of(st.lists(children, max_size=4),
                               st.dictionaries(st.text(max_size=10), children, max_size=4)),
    max_leaves=20)
KEYS = ["name", "baseline", "providers", "models", "workload", "policies", "task_types",
        "per_day", "price", "ref", "routing", "default", "escalation", "ladder", "model",
        "budget", "rules", "at", "workflows", "steps", "after", "claims", "overlays"]
keyed = st.recursive(
    scalars,
    lambda children: st.one_of(st.lists(children, max_size=3),
                               st.dictionaries(st.sampled_from(KEYS), children, max_size=4)),
    max_leaves=25)
FUZZ = settings(max_examples=150, deadline=None, derandomize=True,
                suppress_health_check=[HealthCheck.too_slow])
FUZZ_VALID = settings(FUZZ, max_examples=100)  # each example loads and estimates


@FUZZ
@given(st.text(alphabet=st.sampled_from(list("abc:-[]{}\"'#&*!|>%@`? \n\t,.0123456789")),
               max_size=120))
def test_arbitrary_yaml_text_never_crashes(text):
    """YAML-ish text: a scenario or a ScenarioError, nothing else."""
    _load_text(text)


@FUZZ
@given(st.one_of(structures, keyed))
def test_arbitrary_structures_never_crash(data):
    """Any nested mapping/list/scalar structure, dumped to YAML."""
    _load_text(yaml.safe_dump(data, allow_unicode=True))


RICH = """
name: rich
baseline: base
seed: 1
horizon: {days: 30, days_per_month: 30}
quality_bars: {basic: 0.7, standard: 0.8, premium: 0.9}
latency_classes: {fast: {deadline_s: 10}}
providers:
  - {name: p, mtbf_days: 5, mttr_hours: 2, partial_share: 0.8, degraded_error_rate: 0.3}
  - {name: q, mtbf_days: 4, mttr_hours: 3, partial_share: 0.5, error_rate: 0.01}
  - {name: own}
models:
  - {name: a, provider: p, price: {input_per_mtok_usd: 1, output_per_mtok_usd: 4},
     quality: {mean: 0.85, sd: 0.05, by_category: {c: {mean: 0.9, sd: 0.03}}},
     latency: {ttft_median_s: 0.4, ttft_p95_s: 1.0, tokens_per_s: 60, tokens_per_s_p05: 30}}
  - {name: b, provider: q, price: {per_request_usd: 0.02}, quality: {mean: 0.95, sd: 0.02}}
  - {name: h, provider: own, deployment: {kind: self_hosted, hourly_usd: 1.5}}
workload:
  growth_monthly: 0.05
  task_types:
    - {name: t, category: c, per_day: 100, tier: premium, latency_class: fast,
       input_tokens: {median: 500, p95: 1500}, output_tokens: 200,
       attributes: {audience: 60000, budget_per_day: 3}}
    - {name: u, per_day: 50, tier: basic, latency_class: batch, client_facing: true}
    - {name: s1, input_tokens: 300, output_tokens: 100}
  workflows:
    - name: w
      per_day: 20
      cascade_penalty: 0.05
      steps:
        - {name: x, task_type: s1}
        - {name: y, task_type: u, after: [x]}
policies:
  - name: base
    routing: {default: b}
  - name: smart
    routing:
      default: a
      rules:
        - {when: {audience: {gt: 50000}, budget_per_day: {lt: 5}}, model: h}
        - {when: {tier: premium}, escalate: true}
    escalation:
      ladder: [{model: a}, {model: b, pass_probability: 0.99}]
      judge: {model: a, input_tokens: 700, output_tokens: 20, latency_s: 0.5,
              false_accept: 0.1, false_reject: 0.05}
    failover: {mode: sequential, chain: [b], retries: 1, timeout_s: 30}
    budget:
      monthly_usd: 50
      rules:
        - {at: 0.5, action: downgrade, map: {b: a}}
        - {at: 0.9, action: block_noncritical}
  - name: hedge
    routing: {default: a}
    failover: {mode: hedged, chain: [b]}
finance: {hourly_rate_usd: 50, rework_minutes: 5, implementation_cost_usd: 1000,
          implementation_weeks: 2, downtime_cost_per_hour_usd: 10, tooling_monthly_usd: 5}
claims:
  - {text: cheaper, policy: smart, metric: savings_vs_baseline, low: 0.1, high: 0.9}
"""
_VALID = yaml.safe_load(RICH)


def test_rich_example_is_valid_and_estimates():
    """The fuzzing base below uses every feature and is itself valid."""
    _load_text(RICH, then_estimate=True)
    load_scenario(_SCRATCH / "fuzz.yaml")


def _leaves(node, path=()):
    if isinstance(node, dict):
        for key, value in node.items():
            yield from _leaves(value, (*path, key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _leaves(value, (*path, index))
    yield path


_PATHS = list(_leaves(_VALID))


@FUZZ_VALID
@given(st.sampled_from(_PATHS), scalars | st.lists(scalars, max_size=2))
def test_one_bad_value_in_a_valid_scenario_never_crashes(where, value):
    """A feature-rich scenario with any one node replaced: validated and estimated, or one
    precise error."""
    data = copy.deepcopy(_VALID)
    if not where:
        data = value
    else:
        node = data
        for key in where[:-1]:
            node = node[key]
        node[where[-1]] = value
    _load_text(yaml.safe_dump(data, allow_unicode=True), then_estimate=True)
