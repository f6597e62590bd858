"""Cost of the calls in an evaluation table that carries no cost column: tokens estimated from
text lengths (characters / 4) and priced from the catalog (`genai-prices`) or explicit prices.

A price is given per model as ``MODEL=provider:ref`` (a genai-prices reference) or
``MODEL=IN/OUT`` (USD per million input / output tokens). A few models of the bundled public
tables have default references (`DEFAULT_PRICE_REFS`); any other model stays unpriced (its cost
is NaN and reported as unknown, never $0).
"""

from __future__ import annotations

import re

import numpy as np

from workbench.domain.catalog import TokenPrice, catalog_match, resolve_price
from workbench.domain.errors import ReplayError, ScenarioError

CHARS_PER_TOKEN = 4.0

DEFAULT_PRICE_REFS: dict[str, str] = {
    "gpt-4-1106-preview": "openai:gpt-4-1106-preview",
    "gpt4_1106_preview": "openai:gpt-4-1106-preview",
    "mistralai/Mixtral-8x7B-Instruct-v0.1": "together:mistralai/Mixtral-8x7B-Instruct-v0.1",
}


def parse_price_options(options: list[str]) -> dict[str, str]:
    """``["MODEL=REF", ...]`` -> ``{MODEL: REF}``; ReplayError on a malformed item."""
    out: dict[str, str] = {}
    for item in options:
        model, sep, spec = item.partition("=")
        if not sep or not model or not spec:
            raise ReplayError(f"--price: expected MODEL=provider:ref or MODEL=IN/OUT "
                              f"(USD per million tokens) (got {item!r})")
        out[model] = spec
    return out


def price_from_spec(spec: str) -> TokenPrice:
    """A TokenPrice from ``provider:ref`` or ``IN/OUT`` USD per million tokens."""
    if ":" in spec:
        try:
            return resolve_price(spec)
        except ScenarioError as exc:
            raise ReplayError(f"--price: {exc}") from None
    inp, sep, out = spec.partition("/")
    try:
        in_usd, out_usd = float(inp), float(out) if sep else float(inp)
    except ValueError:
        raise ReplayError(f"--price: {spec!r} is neither provider:ref nor IN/OUT USD per "
                          "million tokens") from None
    if in_usd < 0 or out_usd < 0:
        raise ReplayError(f"--price: negative price {spec!r}")
    return TokenPrice(in_usd, out_usd, in_usd, source=f"explicit {in_usd}/{out_usd} USD/Mtok")


def resolve_model_prices(models: list[str],
                         overrides: dict[str, str]) -> dict[str, TokenPrice | None]:
    """Price of each model: ``overrides`` first, then `DEFAULT_PRICE_REFS`, else None."""
    unknown = sorted(set(overrides) - set(models))
    if unknown:
        raise ReplayError(f"--price names models not in the table: {', '.join(unknown)} "
                          f"(models: {', '.join(models)})")
    prices: dict[str, TokenPrice | None] = {}
    for model in models:
        spec = overrides.get(model) or DEFAULT_PRICE_REFS.get(model)
        prices[model] = None if spec is None else price_from_spec(spec)
    return prices


def _name_variants(model: str) -> list[str]:
    """Spellings of a leaderboard name the catalogue may know: without a ``_concise`` /
    ``_verbose`` prompt variant, underscores as dashes, ``gpt4``/``gpt35`` spelled out."""
    base = re.sub(r"_(concise|verbose)$", "", model)
    dashed = base.replace("_", "-")
    spelled = re.sub(r"^gpt35", "gpt-3.5", re.sub(r"^gpt4", "gpt-4", dashed))
    return list(dict.fromkeys([spelled, dashed, base, model]))


def suggest_price_refs(models: list[str]) -> dict[str, str]:
    """``{model: provider:ref}`` for the models the catalogue knows under one of their
    spellings (`_name_variants`): suggestions to show and edit, never applied silently."""
    out: dict[str, str] = {}
    for model in models:
        for name in _name_variants(model):
            found = catalog_match(name, "")
            if found is not None:
                out[model] = f"{found[1]}:{name}"
                break
    return out


def tokens_from_chars(chars: np.ndarray) -> np.ndarray:
    """Estimated tokens of a text of ``chars`` characters (chars / 4)."""
    return np.asarray(chars, dtype=np.float64) / CHARS_PER_TOKEN


def estimated_cost_usd(models: list[str], input_tokens: np.ndarray, output_tokens: np.ndarray,
                       prices: dict[str, TokenPrice | None]) -> np.ndarray:
    """prompts x models USD: ``input_tokens`` is (n,) or (n, m), ``output_tokens`` (n, m).

    An unpriced model gets NaN costs.
    """
    n = output_tokens.shape[0]
    inp = np.broadcast_to(np.asarray(input_tokens, dtype=np.float64).reshape(n, -1),
                          (n, len(models)))
    cost = np.full((n, len(models)), np.nan)
    for j, model in enumerate(models):
        price = prices.get(model)
        if price is not None:
            cost[:, j] = (inp[:, j] * price.input_per_mtok_usd
                          + output_tokens[:, j] * price.output_per_mtok_usd) / 1e6
    return cost


def price_sources(prices: dict[str, TokenPrice | None]) -> dict[str, str]:
    """Model -> where its price came from ("unpriced" when none)."""
    return {m: ("unpriced" if p is None else p.source) for m, p in prices.items()}


def describe_estimate(what_input: str, what_output: str,
                      prices: dict[str, TokenPrice | None]) -> str:
    """The ``cost_method`` sentence of an estimated-cost table."""
    unpriced = [m for m, p in prices.items() if p is None]
    text = (f"estimated: input tokens = {what_input} / {CHARS_PER_TOKEN:g}, output tokens = "
            f"{what_output}; priced per model from the catalog or --price")
    if unpriced:
        shown = ", ".join(unpriced[:5]) + (" ..." if len(unpriced) > 5 else "")
        text += (f"; {len(unpriced)} model(s) unpriced, cost unknown ({shown}); "
                 "pass --price MODEL=provider:ref or MODEL=IN/OUT")
    return text
