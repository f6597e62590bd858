"""App defects 2 and 3 of issue 13, reproduced with AppTest: simulations were kept in a
cross-session store of up to 8 runs, and the spend of alternative policies was added up."""

from __future__ import annotations

import pytest

pytest.importorskip("streamlit")

from tests.app.test_pages import assert_ok, key_starting, open_page


def _usd(text: str) -> float:
    return float(text.replace("$", "").replace(",", ""))


def test_simulations_are_kept_per_session_and_bounded():
    """Defect 2: runs lived in a store shared by every session (8 runs with full records)."""
    at = open_page("simulate")
    at.button(key="sim_run").click().run()
    at.sidebar.number_input(key="sim_replications").set_value(2).run()
    at.button(key="sim_run").click().run()
    at.sidebar.number_input(key="sim_days").set_value(2.0).run()
    at.button(key="sim_run").click().run()
    assert_ok(at)
    store = at.session_state["sim_store"]
    assert len(store) == 2  # the oldest run was freed
    assert list(store)[-1][1:3] == (2.0, 2)  # the newest is the one on the page
    other = open_page("simulate")  # another browser session starts with no runs
    assert "sim_store" not in other.session_state or not other.session_state["sim_store"]
    assert any("Not simulated yet" in i.value for i in other.info)


def test_spend_over_the_run_is_never_added_across_policies():
    """Defect 3: "(all policies)" showed one spend: the alternatives added together."""
    at = open_page("simulate")
    at.sidebar.checkbox(key="sim_records").check().run()
    at.button(key="sim_run").click().run()
    assert_ok(at)
    shown = {m.label.split(":")[0]: _usd(m.value) for m in at.metric
             if ": spend over" in m.label}
    assert set(shown) == {"baseline", "routed"}
    for name in ("baseline", "routed"):
        at.selectbox(key="sim_cost_policy").set_value(name).run()
        alone = [_usd(m.value) for m in at.metric if ": spend over" in m.label]
        assert alone == [shown[name]]
    assert shown["baseline"] > shown["routed"] > 0


def _captions(at) -> list[str]:
    return [c.value for c in at.caption]


def test_headline_numbers_say_their_source_and_never_switch_silently():
    """Defect 6: headline numbers switched between estimate and simulation without saying so
    (payback 32.8 -> 16.2 after a run, no interval), and an edit reverted them silently."""
    at = open_page("overview")
    assert _captions(at).count("estimate (closed form)") == 6
    at.switch_page("app_pages/simulate.py")
    at.sidebar.number_input(key="sim_replications").set_value(3).run()
    at.button(key="sim_run").click().run()
    at.switch_page("app_pages/overview.py")
    at.run()
    assert_ok(at)
    simulated = [c for c in _captions(at) if c.startswith("simulated, 95% [")]
    assert len(simulated) == 6, _captions(at)
    assert any("Numbers: simulated: 3 replications" in c for c in _captions(at))
    at.switch_page("app_pages/roi.py")
    at.run()
    assert any(c.startswith("simulated, 95% [") for c in _captions(at))
    key_starting(at, "number_input", "roi_rate_").set_value(10.0).run()  # an assumption edit
    assert_ok(at)
    assert any("out of date" in w.value for w in at.warning)
    at.switch_page("app_pages/overview.py")
    at.run()
    assert any("out of date" in w.value for w in at.warning)
    assert _captions(at).count("estimate (closed form)") == 6


def test_results_filter_by_group_and_download_as_csv_and_parquet():
    """Defect 13 (part): no team / task / date filters and no downloads of results."""
    at = open_page("simulate")
    at.button(key="sim_run").click().run()
    labels = [b.proto.label for b in at.get("download_button")]
    assert {"Results by group (CSV)", "Results by group (Parquet)", "Policy summaries (CSV)",
            "Policy summaries (Parquet)"} <= set(labels)
    at.selectbox(key="sim_group_by").set_value("task type").run()
    table = next(d.value for d in at.dataframe if "task_type" in d.value.columns)
    assert set(table["task_type"]) == {"simple", "moderate", "complex", "edge_case"}
    at.multiselect(key="sim_filter_task_type").set_value(["complex"]).run()
    assert_ok(at)
    table = next(d.value for d in at.dataframe if "task_type" in d.value.columns)
    assert set(table["task_type"]) == {"complex"} and len(table) == 2  # one row per policy


def test_attempt_filters_drive_the_charts_and_the_download():
    at = open_page("simulate")
    at.sidebar.number_input(key="sim_days").set_value(2.0).run()
    at.sidebar.checkbox(key="sim_records").check().run()
    at.button(key="sim_run").click().run()
    records = at.session_state["sim"]["records"]
    spend = {m.label: _usd(m.value) for m in at.metric if ": spend over" in m.label}
    at.multiselect(key="sim_rec_types").set_value(["complex"]).run()
    at.slider(key="sim_rec_days").set_value((2, 2)).run()
    assert_ok(at)
    import polars as pl

    expected = records.filter((pl.col("task_type") == "complex")
                              & (pl.col("start_s") >= 86_400) & (pl.col("start_s") < 172_800))
    assert any(c.value.startswith(f"{expected.height:,} attempts in the filter")
               for c in at.caption)
    label = "baseline: spend over 2 days"
    filtered = {m.label: _usd(m.value) for m in at.metric if ": spend over" in m.label}
    base = expected.filter(pl.col("policy") == "baseline")
    by_hand = float(base["cost_usd"].sum() + base["judge_cost_usd"].sum())
    assert filtered[label] == pytest.approx(by_hand, abs=0.01)
    assert filtered[label] < spend[label]


def test_overview_tables_use_one_format_per_kind():
    """Defect 10: "None" cells, $2,025.60 beside $4,536.00, 0% / 55.34% / 99.9% in one
    table, raw names (cost_ci95_low, judged_by, savings_vs_baseline), 0.56 beside 0.5633."""
    import re

    at = open_page("simulate")
    at.sidebar.number_input(key="sim_replications").set_value(2).run()
    at.button(key="sim_run").click().run()
    at.switch_page("app_pages/overview.py")
    at.run()
    assert_ok(at)
    kpis, claims = (d.value for d in at.dataframe)
    for frame in (kpis, claims):
        assert not [c for c in frame.columns if "_" in c]
        cells = [str(v) for v in frame.to_numpy().ravel()]
        assert "None" not in cells and "nan" not in cells
    assert all(re.fullmatch(r"\$\d[\d,]*", v) for v in kpis["cost / month"])
    assert all(re.fullmatch(r"\d+\.\d%", v) for v in kpis["pass rate"])
    assert all(re.fullmatch(r"\d+\.\d\d%", v) for v in kpis["availability"])
    assert all(re.fullmatch(r"\[\$[\d,]+, \$[\d,]+\]", v) for v in kpis["cost / month, 95%"])
    assert claims["claimed"].tolist() == ["56.0%", "$1,965", ">= 92.2%"]
    assert claims["metric"].tolist() == ["savings", "cost / month", "pass rate"]
