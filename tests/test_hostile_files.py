"""The hostile corpus (`tests/hostile/corpus.py`) through every CLI entry point that reads a
file: validate, estimate, simulate, report, probe (config, its scenario, its prompts),
calibrate (run folder and --scenario), replay (a CSV table) and a scenario's incidents CSV.
Each runs in a real process under a 1.5 GiB address-space limit and a timeout: exit 2 with
one line naming the file, never a traceback, a hang or exit 1 (MemoryError included)."""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
from pathlib import Path

import pytest

from tests.hostile.corpus import FORMULA_CSV, binary_junk, hostile_scenario, write_corpus

REPO_ROOT = Path(__file__).resolve().parents[1]
ADDRESS_SPACE_BYTES = 3 << 29  # 1.5 GiB: imports need ~0.9; the alias bomb wanted 3+ GiB
TIMEOUT_S = 60  # a hang fails the test; each run takes 0.3-3 s


def _limit() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (ADDRESS_SPACE_BYTES, ADDRESS_SPACE_BYTES))


def run_cli(*args: object, cwd: Path | None = None) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(REPO_ROOT)}
    env.pop("WORKBENCH_DEBUG", None)
    return subprocess.run([sys.executable, "-m", "workbench.cli", *map(str, args)],
                          capture_output=True, text=True, timeout=TIMEOUT_S, check=False,
                          preexec_fn=_limit, env=env, cwd=cwd)


def assert_bad_input(result: subprocess.CompletedProcess, *needles: str) -> None:
    """Exit 2, nothing on stdout, one line on stderr starting ``error:`` with the needles."""
    err = result.stderr.strip()
    assert result.returncode == 2, (result.returncode, err[-2000:])
    assert result.stdout == ""
    assert "Traceback" not in err and "internal error" not in err, err[-2000:]
    assert err.startswith("error: ") and "\n" not in err, err[-2000:]
    for needle in needles:
        assert needle in err, err


CORPUS_REASONS = {
    "alias_bomb": "YAML aliases expand beyond 100,000 nodes",
    "huge": "file over the 8 MB limit",
    "deep": "YAML nested too deeply",
    "binary": "binary data (NUL bytes), not UTF-8 text",
    "utf16": "UTF-16 text; save the file as UTF-8",
    "latin1": "not UTF-8 text (byte 0xe9 at offset 9)",
}


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> dict[str, Path]:
    return write_corpus(tmp_path_factory.mktemp("corpus"))


COMMANDS = {
    "validate": lambda f, tmp: ["validate", f, "--json"],
    "estimate": lambda f, tmp: ["estimate", f, "--json"],
    "simulate": lambda f, tmp: ["simulate", f, "--days", "0.1", "-r", "1", "--json"],
    "report": lambda f, tmp: ["report", f, "--out", tmp / "r.html"],
    "calibrate --scenario": lambda f, tmp: ["calibrate", _run_folder(tmp), "--scenario", f,
                                            "--out", tmp / "o.yaml"],
}


@pytest.mark.parametrize("stem", sorted(CORPUS_REASONS))
@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_corpus_through_scenario_commands(corpus, tmp_path, command, stem):
    assert_bad_input(run_cli(*COMMANDS[command](corpus[stem], tmp_path)),
                     str(corpus[stem]), CORPUS_REASONS[stem])


def _probe_config(folder: Path, scenario: str, prompts: str | None = None) -> Path:
    """A probe config whose endpoint is a closed port on 127.0.0.1 (nothing is ever sent:
    the config error comes first)."""
    lines = [f"scenario: {scenario}", "endpoints:",
             "  - {name: local, base_url: 'http://127.0.0.1:9/v1', models: {gpt-4o: served}}",
             "spend_cap_usd: 0.01"]
    if prompts:
        lines.append(f"prompts: {prompts}")
    path = folder / "probe.yaml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.mark.parametrize("stem", sorted(CORPUS_REASONS))
@pytest.mark.parametrize("role", ["config", "scenario", "prompts"])
def test_corpus_through_probe(corpus, tmp_path, role, stem):
    """The hostile file as the probe config itself, as the scenario it names, as its
    prompts file."""
    hostile = corpus[stem]
    if role == "config":
        config = hostile
    elif role == "scenario":
        config = _probe_config(tmp_path, str(hostile))
    else:
        config = _probe_config(tmp_path, str(REPO_ROOT / "scenarios" / "support_desk.yaml"),
                               prompts=str(hostile))
    assert_bad_input(run_cli("probe", config, "--out", tmp_path / "run"), str(hostile),
                     CORPUS_REASONS[stem])
    assert not (tmp_path / "run" / "records.jsonl").exists()


def _run_folder(tmp: Path, meta: bytes | None = None, records: bytes | None = None) -> Path:
    """A probe run folder: ``run.json`` naming the support desk scenario and one valid
    record line, unless replaced."""
    folder = tmp / "run"
    folder.mkdir(exist_ok=True)
    scenario = str(REPO_ROOT / "scenarios" / "support_desk.yaml")
    (folder / "run.json").write_bytes(meta if meta is not None else json.dumps(
        {"scenario": scenario, "fingerprint": "x"}).encode())
    row = {"run_id": "run", "policy": "probe", "replication": 0, "task_id": 0,
           "workflow": None, "step": None, "task_type": "faq", "category": "general",
           "team": "default", "tier": "basic", "latency_class": "realtime",
           "client_facing": False, "attempt": 0, "model": "gpt-4o-mini", "provider": "openai",
           "reason": "route", "start_s": 0.0, "queue_s": 0.0, "ttft_s": 0.5, "latency_s": 1.0,
           "input_tokens": 100, "cached_input_tokens": 0, "output_tokens": 10,
           "tokens_estimated": False, "cost_usd": 0.001, "judge_cost_usd": 0.0,
           "outcome": "ok", "http_status": 200, "quality_score": None, "passed": None,
           "accepted": None, "final": True, "task_latency_s": 1.0, "task_success": True,
           "task_passed": None, "within_deadline": True}
    (folder / "records.jsonl").write_bytes(records if records is not None else
                                           (json.dumps(row) + "\n").encode())
    return folder


RUN_FOLDERS = {
    "meta deep": (b"[" * 100_000 + b"]" * 100_000, None, "JSON nested too deeply"),
    "meta binary": (binary_junk(), None, "run.json: binary data"),
    "meta utf16": ('{"scenario": "x"}'.encode("utf-16"), None, "run.json: UTF-16 text"),
    "meta list": (b"[1, 2]", None, "run.json: not a JSON object"),
    "meta huge": (b" " * (2 << 20) + b"{}", None, "run.json: file over the 1 MB limit"),
    "records list": (None, b"[1, 2]\n", "records.jsonl: line 1 is not a JSON object"),
    "records binary": (None, binary_junk() + b"\n", "records.jsonl: line 1: not "),
    "records latin1": (None, '{"model": "caf\u00e9"}\n'.encode("latin-1"),
                       "records.jsonl: line 1: not UTF-8 text"),
    "records deep": (None, b"[" * 100_000 + b"]" * 100_000 + b"\n",
                     "records.jsonl: line 1: JSON nested too deeply"),
    "records missing keys": (None, b'{"model": "gpt-4o-mini"}\n',
                             "records.jsonl: record 1: missing field 'run_id'"),
    "records wrong types": (None, b'{"run_id": ["x"], "outcome": 5, "latency_s": "slow"}\n',
                            "records.jsonl: record 1: run_id: expected str (got \"['x']\")"),
}


@pytest.mark.parametrize("case", sorted(RUN_FOLDERS))
def test_hostile_run_folder_through_calibrate(tmp_path, case):
    meta, records, needle = RUN_FOLDERS[case]
    folder = _run_folder(tmp_path, meta, records)
    assert_bad_input(run_cli("calibrate", folder, "--out", tmp_path / "o.yaml"), needle)


REPLAY_CSV = {
    "binary": binary_junk(),
    "utf16": "sample_id,a,b\n1,0.5,1\n".encode("utf-16"),
    "latin1": "sample_id,caf\u00e9,b\n1,0.5,1\n".encode("latin-1"),
    "formulas": FORMULA_CSV,
    "ragged": b"sample_id,a,b\n1,0.5\n2,0.1,0.2,0.3,0.4\n",
}


@pytest.mark.parametrize("case", sorted(REPLAY_CSV))
def test_hostile_csv_through_replay(tmp_path, case):
    path = tmp_path / "table.csv"
    path.write_bytes(REPLAY_CSV[case])
    assert_bad_input(run_cli("replay", path, "--format", "routerbench", "--json"), str(path))


INCIDENTS = {
    "binary": (binary_junk(), "binary data"),
    "latin1": ("provider,start_utc,end_utc,impact_level,services\ncaf\u00e9,x,y,2,z\n"
               .encode("latin-1"), "not UTF-8 text"),
    "formulas": (FORMULA_CSV, "line 3"),
    "no columns": (b"just one line of text\n", "needs columns end_utc, impact_level"),
}


@pytest.mark.parametrize("case", sorted(INCIDENTS))
def test_hostile_incidents_csv_through_simulate(tmp_path, case):
    data, needle = INCIDENTS[case]
    (tmp_path / "incidents.csv").write_bytes(data)
    scenario = tmp_path / "s.yaml"
    scenario.write_text(
        "name: s\nbaseline: p\nproviders: [{name: '=HYPERLINK(1)', incidents: incidents.csv,"
        " incident_provider: '@prov'}]\n"
        "models: [{name: m, provider: '=HYPERLINK(1)', price: {input_per_mtok_usd: 1,"
        " output_per_mtok_usd: 1}}]\n"
        "workload: {task_types: [{name: t, per_day: 10}]}\n"
        "policies: [{name: p, routing: {default: m}}]\n", encoding="utf-8")
    assert_bad_input(run_cli("simulate", scenario, "--days", "0.1", "-r", "1", "--json"),
                     "incidents.csv", needle)


def test_html_and_formulas_in_every_text_field_pass_everywhere(tmp_path):
    """A valid scenario whose names and descriptions are HTML, JS and formulas: validate,
    estimate, simulate and report succeed (exit 0) and stdout JSON stays one document."""
    path = tmp_path / "hostile.yaml"
    path.write_text(hostile_scenario(), encoding="utf-8")
    for args in (["validate", path, "--json"], ["estimate", path, "--json"],
                 ["simulate", path, "--days", "0.1", "-r", "1", "--json"]):
        result = run_cli(*args)
        assert result.returncode == 0, result.stderr[-2000:]
        json.loads(result.stdout)
    result = run_cli("report", path, "--out", tmp_path / "r.html")
    assert result.returncode == 0, result.stderr[-2000:]
    text = (tmp_path / "r.html").read_text(encoding="utf-8")
    assert "<script>alert" not in text and "<img src=x" not in text


def test_terminal_markup_and_escape_sequences_in_names(tmp_path):
    """Rich markup in a policy name is printed as written (it was a MarkupError, exit 1); an
    escape sequence (it would drive the terminal printing the table) is refused, exit 2."""
    text = (REPO_ROOT / "scenarios" / "support_desk.yaml").read_text(encoding="utf-8")
    markup = tmp_path / "markup.yaml"
    markup.write_text(text.replace(": routed", ": '[/bold][red]routed'"), encoding="utf-8")
    result = run_cli("estimate", markup)
    assert result.returncode == 0, result.stderr
    assert "[/bold][red]routed" in result.stdout
    escape = tmp_path / "escape.yaml"
    escape.write_text(text.replace(": routed", ': "routed\\e]0;owned\\a"'), encoding="utf-8")
    assert_bad_input(run_cli("estimate", escape), "policies[1].name: control character U+001B")
