"""Figures of the report: HTML with one copy of plotly.js, and PNG images for the slides.

The HTML report inlines plotly.js once. Figures whose trace types the partial "finance" bundle
draws (bar, scatter, waterfall, ...; `PARTIAL_TRACES`) use it (1.28 MB, vendored in
``assets/``); a figure of another type (the sankey of a simulated run) becomes a static SVG
through kaleido, and only when that fails does the report carry the full plotly.js (4.8 MB).

PNG and SVG images come from kaleido, which drives a headless Chromium (Debian's
``/usr/bin/chromium`` when kaleido has none of its own); one browser serves every image of a
report.
"""

from __future__ import annotations

import base64
import gzip
import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path

import plotly.graph_objects as go

from workbench.domain.errors import WorkbenchError

ASSETS = Path(__file__).resolve().parent / "assets"
PARTIAL_BUNDLE = ASSETS / "plotly-finance.min.js.gz"
PARTIAL_TRACES = frozenset({"bar", "scatter", "waterfall", "pie", "histogram", "funnel",
                            "funnelarea", "candlestick", "ohlc", "indicator"})
CONFIG = {"displayModeBar": False, "responsive": True}


@lru_cache(maxsize=2)
def plotly_js(full: bool = False) -> str:
    """The plotly.js source to inline: the partial bundle, or the full one."""
    if full or not PARTIAL_BUNDLE.is_file():
        from plotly.offline import get_plotlyjs

        return get_plotlyjs()
    return gzip.decompress(PARTIAL_BUNDLE.read_bytes()).decode("utf-8")


def needs_full_bundle(fig: go.Figure) -> bool:
    """True when ``fig`` has a trace type the partial bundle cannot draw."""
    return any(trace.type not in PARTIAL_TRACES for trace in fig.data)


def _use_chromium() -> None:
    """Point kaleido at Debian's Chromium when it has no browser of its own."""
    if os.environ.get("BROWSER_PATH"):
        return
    for name in ("chromium", "chromium-browser", "google-chrome"):
        path = shutil.which(name)
        if path:
            os.environ["BROWSER_PATH"] = path
            return


@contextmanager
def image_server() -> Iterator[None]:
    """One kaleido browser for every image exported inside the block."""
    import warnings

    import kaleido

    _use_chromium()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        kaleido.start_sync_server(silence_warnings=True)
        try:
            yield
        finally:
            kaleido.stop_sync_server(silence_warnings=True)


def image_bytes(fig: go.Figure, fmt: str = "png", width: int = 1100,
                height: int | None = None, scale: float = 1.0) -> bytes:
    """``fig`` as PNG or SVG bytes (raises `WorkbenchError` with an install hint when kaleido
    or a browser is missing)."""
    import warnings

    try:
        import kaleido  # noqa: F401
    except ImportError:
        raise WorkbenchError("charts as images need kaleido (pip install kaleido) and "
                             "Chromium (apt-get install chromium)") from None
    _use_chromium()
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return fig.to_image(format=fmt, width=width,
                                height=height or fig.layout.height or 420, scale=scale)
    except Exception as exc:  # noqa: BLE001 - kaleido/choreographer raise many kinds
        raise WorkbenchError(f"kaleido could not render a chart ({type(exc).__name__}: "
                             f"{str(exc)[:200]}); install Chromium (apt-get install chromium)"
                             ) from None


class FigureSet:
    """Collects the report's figures as HTML blocks and knows which plotly.js they need."""

    def __init__(self, static_fallback: bool = True) -> None:
        self.figures: list[go.Figure] = []
        self.full_bundle = False
        self.static_fallback = static_fallback

    def html(self, fig: go.Figure) -> str:
        """A chart block; a figure the partial bundle cannot draw becomes an inline SVG (or
        switches the report to the full bundle when no image can be made)."""
        self.figures.append(fig)
        if needs_full_bundle(fig):
            if self.static_fallback:
                try:
                    svg = image_bytes(fig, "svg")
                    data = base64.b64encode(svg).decode("ascii")
                    return (f'<div class="chart"><img alt="{_alt(fig)}" style="width:100%" '
                            f'src="data:image/svg+xml;base64,{data}"></div>')
                except WorkbenchError:
                    pass
            self.full_bundle = True
        return ('<div class="chart">' + fig.to_html(full_html=False, include_plotlyjs=False,
                                                    config=CONFIG) + "</div>")

    def script(self) -> str:
        """The one copy of plotly.js this report needs."""
        return plotly_js(full=self.full_bundle)


def _alt(fig: go.Figure) -> str:
    import html

    return html.escape(str(fig.layout.title.text or "chart"), quote=True)
