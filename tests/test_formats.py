"""One number formatter for CLI, app and report: signs before the dollar, None as "-", no
".00" on whole numbers, rules numbered from 1, words for column names."""

from __future__ import annotations

from workbench.cli import tables
from workbench.metrics import formats
from workbench.viz import theme


def test_negative_money_puts_the_sign_before_the_dollar():
    assert formats.usd(-36653.2) == "-$36,653"
    assert tables._usd_short(-36653.2) == "-$36,653"  # was "$-36,653" in the CLI
    assert formats.usd(-0.001, 2) == "$0.00"  # no "-$0.00"
    assert formats.usd_signed(1835.0) == "+$1,835"
    assert formats.usd_signed(-1835.0) == "-$1,835"


def test_none_is_a_dash_everywhere():
    for fmt in (formats.usd, formats.pct, formats.number, formats.hours, formats.seconds,
                formats.usd_short, formats.usd_signed):
        assert fmt(None) == "-"
    assert formats.interval(0.9224, None, formats.metric_format("quality_pass_rate")) \
        == "[92.2%, -]"
    assert formats.months(None) == "never"


def test_whole_numbers_have_no_trailing_zeros():
    assert formats.number(1572.0) == "1,572"
    assert formats.number(30.0) == "30"
    assert formats.number(0.5) == "0.5"
    assert formats.number(12.345, 2) == "12.35"


def test_one_percent_rule_per_metric():
    assert formats.metric_text("availability", 0.99795) == "99.80%"
    assert formats.metric_text("roi.payback_months", 32.84) == "32.8 months"
    assert formats.metric_text("savings_vs_baseline", 0.5633) == "56.3%"
    assert formats.metric_text("monthly_cost_usd", 1965.1) == "$1,965"


def test_rules_from_one_and_columns_as_words():
    assert formats.rule_label(0) == "rule 1"
    assert formats.label("meets_bar") == "meets the bar"
    assert formats.label("block_noncritical") == "block non-critical tasks"
    assert formats.label("cost_usd") == "cost"
    assert formats.label("input_tokens") == "input tokens"


def test_the_viz_theme_uses_the_same_functions():
    assert theme.usd is formats.usd and theme.pct is formats.pct
