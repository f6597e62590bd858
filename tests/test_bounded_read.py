"""The bounded reader every YAML/JSON file passes through: alias expansion, size, depth and node
caps, encodings; each refusal is a ScenarioError naming the file (exit 2), never a MemoryError."""

from __future__ import annotations

import codecs
import json

import pytest

from workbench.domain.bounded_read import (
    DEFAULT_LIMITS,
    ReadLimits,
    describe_size,
    parse_json,
    parse_yaml,
    read_json,
    read_text,
    read_yaml,
)
from workbench.domain.errors import ProbeError, ScenarioError
from workbench.domain.loader import load_scenario

ALIAS_BOMB = "\n".join(
    ['a0: &a0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    + [f"a{i}: &a{i} [" + ",".join([f"*a{i - 1}"] * 9) + "]" for i in range(1, 10)]) + "\n"


def test_alias_bomb_is_refused_while_composing():
    """Nine levels of nine references: 9**9 (387 million) strings if expanded; refused with the
    node count in the message, without building anything (the test would run out of memory
    otherwise)."""
    assert len(ALIAS_BOMB) < 1024
    with pytest.raises(ScenarioError) as err:
        parse_yaml(ALIAS_BOMB, "bomb.yaml")
    assert str(err.value) == "bomb.yaml: YAML aliases expand beyond 100,000 nodes"


def test_alias_expansion_is_counted_exactly():
    """``&x [1, 2, 3]`` is 4 nodes (the sequence and 3 scalars); each ``*x`` adds 4. With a cap
    of 10: two references (8) pass, three (12) do not."""
    limits = ReadLimits(max_alias_nodes=10)
    two = "x: &x [1, 2, 3]\ny: [*x, *x]\n"
    assert parse_yaml(two, "f", limits) == {"x": [1, 2, 3], "y": [[1, 2, 3], [1, 2, 3]]}
    with pytest.raises(ScenarioError, match="YAML aliases expand beyond 10 nodes"):
        parse_yaml("x: &x [1, 2, 3]\ny: [*x, *x, *x]\n", "f", limits)
    # an alias of an alias counts what it stands for: z holds y (1 + 4 + 4 = 9 nodes)
    with pytest.raises(ScenarioError, match="beyond 10 nodes"):
        parse_yaml("x: &x [1, 2, 3]\ny: &y [*x, *x]\nz: *y\n", "f", limits)


def test_ordinary_anchors_and_merge_keys_still_work():
    text = "base: &b {a: 1, b: 2}\nm: {<<: *b, b: 3}\n"
    assert parse_yaml(text, "f") == {"base": {"a": 1, "b": 2}, "m": {"a": 1, "b": 3}}


def test_recursive_alias_is_refused():
    with pytest.raises(ScenarioError, match="refers to a node that contains it"):
        parse_yaml("a: &x [1, *x]\n", "f")


def test_depth_cap_keeps_its_message():
    """Depth counts every node on the way down: ``a: [1]`` is mapping, sequence, scalar (3)."""
    limits = ReadLimits(max_depth=3)
    assert parse_yaml("a: [1]", "f", limits) == {"a": [1]}
    with pytest.raises(ScenarioError, match="f: YAML nested too deeply"):
        parse_yaml("a: [[1]]", "f", limits)
    with pytest.raises(ScenarioError, match="YAML nested too deeply"):
        parse_yaml("[" * 50_000 + "]" * 50_000, "f")


def test_node_cap():
    with pytest.raises(ScenarioError, match="YAML has more than 3 nodes"):
        parse_yaml("[1, 2, 3]", "f", ReadLimits(max_nodes=3))
    assert parse_yaml("[1, 2]", "f", ReadLimits(max_nodes=3)) == [1, 2]


def test_size_cap(tmp_path):
    path = tmp_path / "big.yaml"
    path.write_text("a: " + "x" * 2000 + "\n", encoding="utf-8")
    with pytest.raises(ScenarioError) as err:
        read_yaml(path, ReadLimits(max_bytes=1024))
    assert str(err.value) == f"{path}: file over the 1 KB limit (2 KB)"
    assert read_yaml(path)["a"] == "x" * 2000
    assert DEFAULT_LIMITS.max_bytes == 8 << 20
    assert describe_size(1536) == "1.5 KB"


def test_a_device_is_read_only_up_to_the_cap():
    """/dev/zero has no size: reading stops one byte past the cap."""
    with pytest.raises(ScenarioError, match="/dev/zero: file over the 1 KB limit$"):
        read_text("/dev/zero", ReadLimits(max_bytes=1024))


@pytest.mark.parametrize(("data", "reason"), [
    ("name: x\n".encode("utf-16"), "UTF-16 text; save the file as UTF-8"),
    (codecs.BOM_UTF32_LE + "n: x".encode("utf-32-le"), "UTF-32 text"),
    ("name: café\n".encode("latin-1"), "line 1: not UTF-8 text (byte 0xe9 at offset 9)"),
    (b"\x7fELF\x02\x01\x00\x00\xff\xfe", "binary data (NUL bytes)"),
])
def test_wrong_encodings_are_named(tmp_path, data, reason):
    path = tmp_path / "s.yaml"
    path.write_bytes(data)
    with pytest.raises(ScenarioError, match=f"^{path}: .*") as err:
        read_yaml(path)
    assert reason in str(err.value)


def test_utf8_bom_is_accepted(tmp_path):
    path = tmp_path / "s.yaml"
    path.write_bytes(codecs.BOM_UTF8 + "name: café\n".encode())
    assert read_yaml(path) == {"name": "café"}


def test_folder_and_missing_file(tmp_path):
    with pytest.raises(ScenarioError, match="a folder, not a file"):
        read_text(tmp_path)
    with pytest.raises(ScenarioError, match="file not found"):
        read_text(tmp_path / "nope.yaml")


def test_json_errors(tmp_path):
    with pytest.raises(ScenarioError, match="f: line 3: JSON nested too deeply"):
        parse_json("[" * 200_000 + "]" * 200_000, "f", "line 3")
    with pytest.raises(ScenarioError, match="f: not JSON"):
        parse_json("{", "f")
    path = tmp_path / "d.json"
    path.write_text(json.dumps({"a": [1, 2]}), encoding="utf-8")
    assert read_json(path) == {"a": [1, 2]}


def test_uploaded_scenario_may_not_name_other_files(tmp_path):
    """An upload naming /etc/passwd as incidents (or an overlay) is refused before the file is
    opened: its content never reaches an error message on the page."""
    path = tmp_path / "up.yaml"
    path.write_text("name: x\nproviders: [{name: p, incidents: /etc/passwd}]\n", encoding="utf-8")
    with pytest.raises(ScenarioError) as err:
        load_scenario(path, file_references=False)
    assert "providers[0].incidents: an uploaded scenario cannot name other files" in str(err.value)
    path.write_text("name: x\noverlays: [/etc/hostname]\n", encoding="utf-8")
    with pytest.raises(ScenarioError, match="overlays: an uploaded scenario cannot"):
        load_scenario(path, file_references=False)


def test_overlays_are_bounded_too(tmp_path):
    (tmp_path / "bomb.yaml").write_text(ALIAS_BOMB, encoding="utf-8")
    path = tmp_path / "s.yaml"
    path.write_text("name: x\noverlays: [bomb.yaml]\n", encoding="utf-8")
    with pytest.raises(ScenarioError, match="overlays\\[0\\]: overlay .*bomb.yaml: YAML aliases"):
        load_scenario(path)


def test_sweep_values_are_bounded_yaml():
    """A malformed swept value was a yaml.YAMLError (exit 1); now a ScenarioError."""
    from workbench.engine.sweep import parse_grid

    assert parse_grid(["a.b=1,x"]) == {"a.b": [1, "x"]}
    with pytest.raises(ScenarioError, match="--param: YAML syntax error"):
        parse_grid(["a.b=[1"])


def test_run_store_lines_must_be_json_objects(tmp_path):
    """A run folder from someone else: a line that is a list (or nested too deeply) is a
    ProbeError, not a TypeError later in calibrate."""
    from workbench.probe.store import read_jsonl

    path = tmp_path / "records.jsonl"
    path.write_text('{"a": 1}\n[1, 2]\n', encoding="utf-8")
    with pytest.raises(ProbeError, match="line 2 is not a JSON object"):
        read_jsonl(path)
    path.write_text("[" * 200_000 + "\n", encoding="utf-8")
    with pytest.raises(ProbeError, match="line 1: JSON nested too deeply; the run store"):
        read_jsonl(path)


def test_check_text_start_judges_only_the_start(tmp_path):
    """A large table is sniffed, not read: its first bytes must be UTF-8; a character cut by
    the sample's end is fine."""
    from workbench.domain.bounded_read import check_text_start

    path = tmp_path / "t.csv"
    path.write_bytes(b"a," + "é".encode() + b"x" * 10)
    check_text_start(path, n_bytes=3)  # cuts the two-byte é in half
    path.write_bytes("a,café\n".encode("latin-1"))
    with pytest.raises(ScenarioError, match="not UTF-8 text \\(byte 0xe9 at offset 5\\)"):
        check_text_start(path)
    path.write_bytes("a,b\n".encode("utf-16"))
    with pytest.raises(ScenarioError, match="UTF-16"):
        check_text_start(path)
