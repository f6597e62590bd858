"""The decision pack as a short slide deck (python-pptx): the verdict, the headline numbers and
the top risks, the ROI, sensitivity and chargeback charts as PNG images (kaleido), and the
assumptions. Same numbers as the HTML report: both are built from one `build_pack` result.

    >>> write_deck(scenario, pack, "report.pptx")  # doctest: +SKIP
"""

from __future__ import annotations

from pathlib import Path

from workbench.domain.errors import WorkbenchError
from workbench.domain.scenario import Scenario
from workbench.metrics.formats import label, metric_text, months, number, usd
from workbench.metrics.scenario_frames import FINANCE_FIELDS
from workbench.report import verdict as verdict_text
from workbench.report.analysis import break_even_rows, chargeback_rows

WIDTH_IN, HEIGHT_IN = 13.333, 7.5
HEADLINE_KEYS = ("monthly_cost_usd", "savings_vs_baseline", "quality_pass_rate", "availability",
                 "roi.net_monthly_usd", "roi.payback_months")


def _pptx():
    try:
        import pptx
        from pptx.util import Inches, Pt
    except ImportError:
        raise WorkbenchError("--pptx needs python-pptx (pip install python-pptx)") from None
    return pptx, Inches, Pt


def _lookup(summary: dict, key: str):
    if key.startswith("roi."):
        return (summary.get("roi") or {}).get(key[4:])
    return summary.get(key)


class Deck:
    """A 16:9 deck of blank slides with a title, text, tables and pictures."""

    def __init__(self) -> None:
        pptx, self.inches, self.pt = _pptx()
        self.prs = pptx.Presentation()
        self.prs.slide_width = self.inches(WIDTH_IN)
        self.prs.slide_height = self.inches(HEIGHT_IN)

    def slide(self, title: str):
        """A blank slide with ``title`` across the top."""
        slide = self.prs.slides.add_slide(self.prs.slide_layouts[6])
        self.text(slide, title, 0.5, 0.3, WIDTH_IN - 1.0, 0.8, size=28, bold=True)
        return slide

    def text(self, slide, text: str | list[str], left: float, top: float, width: float,
             height: float, size: int = 16, bold: bool = False) -> None:
        """A word-wrapped text box; a list gives one paragraph per item."""
        box = slide.shapes.add_textbox(self.inches(left), self.inches(top), self.inches(width),
                                       self.inches(height))
        frame = box.text_frame
        frame.word_wrap = True
        for i, line in enumerate([text] if isinstance(text, str) else text):
            para = frame.paragraphs[0] if i == 0 else frame.add_paragraph()
            para.text = line
            para.font.size = self.pt(size)
            para.font.bold = bold
            para.space_after = self.pt(6)

    def table(self, slide, headers: list[str], rows: list[list[str]], left: float, top: float,
              width: float, size: int = 12) -> None:
        """A table of plain text."""
        shape = slide.shapes.add_table(len(rows) + 1, len(headers), self.inches(left),
                                       self.inches(top), self.inches(width),
                                       self.inches(0.35 * (len(rows) + 1)))
        for j, head in enumerate(headers):
            shape.table.cell(0, j).text = head
        for i, row in enumerate(rows, start=1):
            for j, value in enumerate(row):
                shape.table.cell(i, j).text = str(value)
        for cell in (c for r in shape.table.rows for c in r.cells):
            for para in cell.text_frame.paragraphs:
                para.font.size = self.pt(size)

    def picture(self, slide, png: bytes, left: float, top: float, width: float) -> None:
        """A PNG image ``width`` inches wide."""
        import io

        slide.shapes.add_picture(io.BytesIO(png), self.inches(left), self.inches(top),
                                 width=self.inches(width))

    def save(self, path: Path) -> Path:
        """Write the deck."""
        path.parent.mkdir(parents=True, exist_ok=True)
        self.prs.save(str(path))
        return path


def _charts(scenario: Scenario, pack: dict) -> list[tuple[str, object]]:
    """(slide title, figure) of the charts the deck shows."""
    from workbench.viz.cost import breakdown_figure
    from workbench.viz.roi import payback_figure, waterfall_figure
    from workbench.viz.sensitivity import tornado_figure

    doc, chosen = pack["doc"], pack["chosen"]
    baseline = doc["baseline"]
    summaries = doc["policies"]
    roi = summaries[chosen].get("roi")
    out = [("Where the money goes", waterfall_figure(summaries[baseline]["monthly_cost_usd"],
                                                     roi, chosen)),
           ("When it pays back", payback_figure(roi, chosen))]
    if pack["sensitivity"] is not None:
        out.append(("What moves the net benefit", tornado_figure(pack["sensitivity"], "net")))
    if chosen != baseline:
        pair = {baseline: summaries[baseline], chosen: summaries[chosen]}
        out.append(("Chargeback by team", breakdown_figure(pair, "team")))
    return out


def write_deck(scenario: Scenario, pack: dict, path: str | Path) -> Path:
    """The slide deck of ``pack`` (from `workbench.report.html.build_pack`) at ``path``."""
    from workbench.report.figures import image_bytes, image_server

    deck = Deck()
    doc, rec, chosen = pack["doc"], pack["recommendation"], pack["chosen"]
    baseline = doc["baseline"]
    head = (f"Recommendation: keep {baseline} for now" if rec.keeps_baseline
            else f"Recommendation: adopt {rec.policy}")
    slide = deck.slide(f"{scenario.name}: {head}")
    deck.text(slide, verdict_text.verdict_paragraph(doc, rec), 0.5, 1.3, WIDTH_IN - 1.0, 3.0,
              size=18)
    deck.text(slide, ["Top risks"] + ["- " + r for r in verdict_text.top_risks(
        doc, rec, pack["claims"], pack["sensitivity"])], 0.5, 4.4, WIDTH_IN - 1.0, 2.8, size=14)

    slide = deck.slide("Headline numbers")
    rows = [[label(k.split(".")[-1]), metric_text(k, _lookup(doc["policies"][baseline], k)),
             metric_text(k, _lookup(doc["policies"][chosen], k))] for k in HEADLINE_KEYS]
    deck.table(slide, ["", f"{baseline} (today)", chosen], rows, 0.5, 1.3, 8.0, size=16)
    deck.text(slide, f"Numbers: {pack['method']}.", 0.5, 6.6, WIDTH_IN - 1.0, 0.6, size=12)

    charts = _charts(scenario, pack)
    with image_server():
        images = [(title, image_bytes(fig, "png", width=1200, height=560, scale=1.5))
                  for title, fig in charts]
    for title, png in images:
        slide = deck.slide(title)
        deck.picture(slide, png, 0.6, 1.2, WIDTH_IN - 1.2)

    if pack["sensitivity"] is not None:
        slide = deck.slide("What would flip the decision (break-even values)")
        rows = [[r[0], r[1], r[5], r[6]] for r in break_even_rows(pack["sensitivity"])][:8]
        deck.table(slide, ["assumption", "today", "net benefit reaches zero at",
                           "12-month payback at"], rows, 0.5, 1.3, WIDTH_IN - 1.0, size=13)
    if chosen != baseline:
        slide = deck.slide("Chargeback by team and provider")
        for i, (dim, title) in enumerate((("team", "team"), ("provider", "provider"))):
            rows = chargeback_rows(doc["policies"], baseline, chosen, dim)[:8]
            deck.table(slide, [title, baseline, chosen, "change", "share"],
                       [r for r in rows], 0.5 + i * 6.3, 1.3, 6.0, size=12)

    slide = deck.slide("Assumptions")
    finance = [[label(k), f"{number(getattr(scenario.finance, k))} {unit}", meaning]
               for k, (unit, meaning) in FINANCE_FIELDS.items()]
    deck.table(slide, ["assumption", "value", "meaning"], finance, 0.5, 1.3, WIDTH_IN - 1.0,
               size=12)
    roi = doc["policies"][chosen].get("roi") or {}
    deck.text(slide, [(f"Numbers: {pack['method']}; seed {doc.get('seed', scenario.seed)}; "
                      f"{number(scenario.days_per_month)} days a month."),
                      (f"Ramp {months(roi.get('ramp_months'))}, implementation "
                      f"{usd(scenario.finance.implementation_cost_usd)}. Guard rails: pass rate "
                      f"within {verdict_text.QUALITY_TOLERANCE:.0%} and availability within "
                      f"{verdict_text.AVAILABILITY_TOLERANCE:.1%} of the baseline, net benefit "
                      "above zero, the scenario's claimed bounds held.")],
              0.5, 5.2, WIDTH_IN - 1.0, 1.8, size=13)
    return deck.save(Path(path))
