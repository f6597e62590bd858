"""One number formatter for CLI, app and report (issue 13, defect 10): money is never
formatted by hand as f"${x}" - that printed "$-36,653" for a loss - but through
`workbench.metrics.formats`, which writes "-$36,653"."""

from __future__ import annotations

import re
from pathlib import Path

from workbench.metrics.formats import usd

PACKAGE = Path(__file__).resolve().parents[1] / "workbench"
HAND_MONEY = re.compile(r'f"[^"\n]*\$\{|"\$\{:')


def test_negative_money_puts_the_sign_before_the_dollar():
    assert usd(-36653.2) == "-$36,653"
    assert usd(-0.004, 2) == "$0.00"


def test_no_module_formats_money_by_hand():
    offenders = [f"{path.relative_to(PACKAGE)}:{n}" for folder in ("cli", "app", "report")
                 for path in sorted((PACKAGE / folder).rglob("*.py"))
                 for n, line in enumerate(path.read_text().splitlines(), 1)
                 if HAND_MONEY.search(line)]
    assert offenders == []
