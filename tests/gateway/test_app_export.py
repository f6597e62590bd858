"""The Policies page's "Export to gateway": the draft's config and its translation report,
following the chosen gateway and the endpoints typed in."""

from __future__ import annotations

from pathlib import Path

import pytest

pytest.importorskip("streamlit")
from streamlit.testing.v1 import AppTest

import workbench.app

MAIN = str(Path(workbench.app.__file__).with_name("main.py"))


def test_policies_page_exports_the_draft_to_both_gateways():
    at = AppTest.from_file(MAIN, default_timeout=90)
    at.run()
    at.switch_page("app_pages/policies.py")
    at.run()
    at.selectbox(key="pol_edit").set_value("routed").run()
    at.toggle(key="pol_gw_show").set_value(True).run()
    assert not at.exception, [e.value for e in at.exception]
    markdown = "\n".join(m.value for m in at.markdown)
    assert "Translation of policy `routed` to litellm" in markdown
    assert any("model_list:" in c.value for c in at.code)
    at.radio(key="pol_gw_target").set_value("portkey").run()
    assert not at.exception
    assert any('"mode": "conditional"' in c.value for c in at.code)
    area = next(t for t in at.text_area if t.key.startswith("pol_gw_endpoints_"))
    area.set_value("endpoints: []\n").run()
    assert not at.exception
    assert any("no endpoint serves model" in e.value for e in at.error)
