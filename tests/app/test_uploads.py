"""Uploads from strangers on the Audit page: the limits are stated on the page, a good file
replaces the scenario, a hostile one (bomb, too big, binary, wrong encoding, HTML in its name)
gets an error box with plain text, and the temporary folder is empty afterwards."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

pytest.importorskip("streamlit")
from streamlit.testing.v1 import AppTest

import workbench.app
from tests.hostile.corpus import alias_bomb
from workbench.app import uploads
from workbench.app.uploads import SCENARIO_UPLOAD, UploadKind, plain, safe_name, staged
from workbench.domain.errors import ScenarioError, WorkbenchError

MAIN = str(Path(workbench.app.__file__).with_name("main.py"))
SCENARIOS = Path(MAIN).parents[2] / "scenarios"


def audit_page() -> AppTest:
    at = AppTest.from_file(MAIN, default_timeout=60)
    at.run()
    at.switch_page("app_pages/audit.py")
    at.run()
    assert not at.exception
    return at


def upload(at: AppTest, name: str, data: bytes) -> AppTest:
    at.file_uploader(key="audit_upload").set_value((name, data, "application/yaml")).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def test_page_states_the_limits():
    at = audit_page()
    assert any(c.value == "Limits: .yaml, .yml up to 1 MB and 50,000 YAML values."
               for c in at.caption)
    assert at.file_uploader(key="audit_upload").proto.max_upload_size_mb == 1


def test_good_upload_replaces_the_scenario():
    at = upload(audit_page(), "mine.yaml", (SCENARIOS / "math_shift.yaml").read_bytes())
    assert not at.error
    assert at.session_state["scenario_label"] == "mine.yaml"
    assert not any(uploads.upload_root().iterdir())


HOSTILE = {
    "bomb.yaml": (alias_bomb(), "bomb.yaml: YAML aliases expand beyond 50,000 nodes"),
    "huge.yaml": (b"name: x\n#" + b"x" * (1 << 20), "huge.yaml: file over the 1 MB limit"),
    "junk.yaml": (bytes(range(256)) * 8, "junk.yaml: binary data"),
    "utf16.yaml": ("name: x\n".encode("utf-16"), "utf16.yaml: UTF-16 text"),
    "latin1.yaml": ("name: caf\xe9\n".encode("latin-1"), "latin1.yaml: line 1: not UTF-8"),
    "deep.yaml": (b"a: " + b"[" * 5000 + b"]" * 5000, "deep.yaml: YAML nested too deeply"),
    "names.yaml": (b"name: x\nproviders: [{name: p, incidents: /etc/passwd}]\n",
                   "names.yaml: providers[0].incidents: an uploaded scenario cannot name other files"),
}


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_hostile_upload_gets_a_message_and_keeps_the_scenario(name):
    data, expected = HOSTILE[name]
    at = upload(audit_page(), name, data)
    assert len(at.error) == 1 and at.error[0].value.startswith(plain(expected)), at.error
    assert at.session_state["scenario"].name == "support_desk"
    assert not any(uploads.upload_root().iterdir())


def test_markup_in_a_file_name_is_shown_as_text():
    """A file name with a markdown link and HTML: every special character escaped."""
    name = "[click](https://example.invalid)<img src=x onerror=alert(1)>.yaml"
    at = upload(audit_page(), name, b"name: [unclosed")
    shown = at.error[0].value
    assert shown.startswith(r"\[click\]\(https\://example\.invalid\)\<img src=x "
                            r"onerror=alert\(1\)\>\.yaml\: line 1")


def test_plain_escapes_markdown():
    assert plain("a*b_[c](d) <e> :red[x] 1.5") == r"a\*b\_\[c\]\(d\) \<e\> \:red\[x\] 1\.5"


def test_staged_is_bounded_and_removed():
    """Copied in 64 KB chunks; a stream without a size is cut one chunk past the cap; the
    folder is gone afterwards, also after an error."""
    kind = UploadKind("thing", ("csv",), 100_000, 10, "rows")
    with staged("a.csv", io.BytesIO(b"x" * 100_000), kind) as path:
        assert path.name == "a.csv" and path.stat().st_size == 100_000
        folder = path.parent
    assert not folder.exists()
    too_long = staged("a.csv", io.BytesIO(b"x" * 100_001), kind)
    with pytest.raises(ScenarioError, match="a.csv: file over the 97.7 KB limit for a thing"), \
            too_long:
        pass
    said_too_big = staged("a.csv", io.BytesIO(b""), kind, size=1 << 20)
    with pytest.raises(ScenarioError, match="over the 97.7 KB limit for a thing \\(1 MB\\)"), \
            said_too_big:
        pass
    assert not any(uploads.upload_root().iterdir())


def test_staged_refuses_when_the_folder_is_full(monkeypatch):
    monkeypatch.setattr(uploads, "FOLDER_MAX_BYTES", 10)
    full = staged("a.yaml", io.BytesIO(b"x" * 11), SCENARIO_UPLOAD, size=11)
    with pytest.raises(WorkbenchError, match="too many uploads"), full:
        pass


@pytest.mark.parametrize(("name", "safe"), [
    ("../../etc/passwd", "passwd.yaml"), ("..\\..\\x.yml", "x.yml"), (".hidden.yaml", "hidden.yaml"),
    ("a b<c>.YAML", "a_b_c_.YAML"), ("", "upload.yaml")])
def test_safe_name(name, safe):
    assert safe_name(name, SCENARIO_UPLOAD) == safe


def test_streamlit_server_cap_matches():
    from workbench.cli.dashboard import streamlit_command

    cmd = streamlit_command(8599)
    assert int(cmd[cmd.index("--server.maxUploadSize") + 1]) == uploads.SERVER_MAX_UPLOAD_MB
    assert SCENARIO_UPLOAD.max_upload_mb <= uploads.SERVER_MAX_UPLOAD_MB


def test_live_page_names_a_damaged_run_folder(tmp_path):
    """records.jsonl from someone else (a row that is not a probe record): a message, not a
    traceback."""
    folder = tmp_path / "run"
    folder.mkdir()
    (folder / "records.jsonl").write_text('{"model": "<b>x</b>"}\n', encoding="utf-8")
    at = AppTest.from_file(MAIN, default_timeout=60)
    at.run()
    at.switch_page("app_pages/live.py")
    at.run()
    at.text_input(key="live_folder").set_value(str(folder)).run()
    assert not at.exception
    assert "record 1\\: missing field 'run\\_id'" in at.error[0].value


def test_after_an_upload_any_bundled_scenario_can_be_reloaded():
    """Defect 8 of issue 13: after an upload the select still showed the old bundled name,
    and picking it again did nothing."""
    at = upload(audit_page(), "mine.yaml", (SCENARIOS / "math_shift.yaml").read_bytes())
    box = at.selectbox(key="audit_scenario")
    assert box.value is None and "uploaded: mine.yaml" in box.proto.placeholder
    assert any(c.value == "Loaded: **mine.yaml** (uploaded)" for c in at.caption)
    box.set_value("support_desk.yaml").run()  # the one loaded before the upload
    assert not at.exception
    assert at.session_state["scenario"].name == "support_desk"
    assert at.selectbox(key="audit_scenario").value == "support_desk.yaml"
    assert any(c.value == "Loaded: **support_desk.yaml**" for c in at.caption)
