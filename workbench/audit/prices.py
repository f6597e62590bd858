"""Model names seen in logs matched to the `genai-prices` catalogue, and, where the catalogue
does not know a model, per-million-token prices fitted from the log's own billed amounts
(shown as such, never a silent $0)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import polars as pl

from workbench.domain.catalog import MTOK, catalog_match

__all__ = ["PriceMatch", "catalog_match", "match_prices"]


@dataclass(frozen=True)
class PriceMatch:
    """How one logged model name is priced: a catalogue ``ref`` (``provider:model``) with the
    catalogue's id, or fitted USD per million tokens from the log."""

    model: str
    ref: str | None
    catalog_id: str | None
    provider: str
    fitted_input_per_mtok_usd: float | None = None
    fitted_output_per_mtok_usd: float | None = None

    @property
    def key(self) -> str:
        """Name that matches one model across sources (the catalogue id when known)."""
        return self.catalog_id or self.model

    def price(self) -> dict:
        """The scenario's ``price`` mapping."""
        if self.ref is not None:
            return {"ref": self.ref}
        return {"input_per_mtok_usd": round(self.fitted_input_per_mtok_usd or 0.0, 6),
                "output_per_mtok_usd": round(self.fitted_output_per_mtok_usd or 0.0, 6)}


def match_prices(frame: pl.DataFrame) -> dict[str, PriceMatch]:
    """A price for every model of a request frame: the catalogue's, else a least-squares fit
    of the billed ``cost_usd`` on input and output tokens of its successful calls."""
    out: dict[str, PriceMatch] = {}
    for (model, provider), group in frame.group_by("model", "provider", maintain_order=True):
        if str(model) in out:
            continue
        found = catalog_match(str(model), str(provider))
        if found is not None:
            out[str(model)] = PriceMatch(str(model), f"{found[1]}:{model}", found[0], found[1])
            continue
        paid = group.filter(pl.col("ok") & ~pl.col("cache_hit"))
        a = paid.select("input_tokens", "output_tokens").to_numpy().astype(float)
        b = paid["cost_usd"].to_numpy()
        coef = np.linalg.lstsq(a, b, rcond=None)[0] if len(b) >= 2 else np.zeros(2)
        coef = np.maximum(coef, 0.0) * MTOK
        out[str(model)] = PriceMatch(str(model), None, None, str(provider) or "unknown",
                                     float(coef[0]), float(coef[1]))
    return out
