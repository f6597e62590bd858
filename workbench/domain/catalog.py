"""Model prices: explicit per-million-token prices, per-request prices, or a `genai-prices`
reference such as ``openai:gpt-4o`` resolved from the package's offline snapshot.

A model with no price is an error, never $0.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from workbench.domain.errors import ScenarioError

MTOK = 1_000_000
PROBE_TOKENS = 1_000  # below every context-length price tier


@dataclass(frozen=True)
class TokenPrice:
    """USD per million tokens; ``cached_input`` applies to input tokens served from cache."""

    input_per_mtok_usd: float
    output_per_mtok_usd: float
    cached_input_per_mtok_usd: float
    source: str
    context_window: int | None = None

    def cost_usd(self, input_tokens: float, output_tokens: float,
                 cached_input_tokens: float = 0.0) -> float:
        """Cost of one call in USD; ``input_tokens`` includes the cached ones."""
        uncached = input_tokens - cached_input_tokens
        return (uncached * self.input_per_mtok_usd
                + cached_input_tokens * self.cached_input_per_mtok_usd
                + output_tokens * self.output_per_mtok_usd) / MTOK


@lru_cache(maxsize=512)
def resolve_price(ref: str) -> TokenPrice:
    """Per-million-token prices of a ``provider:model`` reference from `genai-prices`.

    Raises ScenarioError (path ``price.ref``) when the reference is malformed or unknown.
    """
    provider, sep, model = ref.partition(":")
    if not sep or not provider or not model:
        raise ScenarioError("a price reference is 'provider:model', e.g. 'openai:gpt-4o'",
                            path="price.ref", value=ref)
    from genai_prices import Usage, calc_price  # lazy: ~0.3 s import

    try:  # price a small call and scale: a 1M-token call would hit long-context tiers
        inp = calc_price(Usage(input_tokens=PROBE_TOKENS), model_ref=model, provider_id=provider)
        out = calc_price(Usage(output_tokens=PROBE_TOKENS), model_ref=model,
                         provider_id=provider)
        cached = calc_price(Usage(input_tokens=PROBE_TOKENS, cache_read_tokens=PROBE_TOKENS),
                            model_ref=model, provider_id=provider)
    except LookupError as exc:
        raise ScenarioError(f"genai-prices has no price for it ({exc})",
                            path="price.ref", value=ref) from None
    except Exception as exc:  # noqa: BLE001 - genai-prices raises plain exceptions
        raise ScenarioError(f"genai-prices cannot price it ({type(exc).__name__}: {exc})",
                            path="price.ref", value=ref) from None
    scale = MTOK // PROBE_TOKENS
    return TokenPrice(
        input_per_mtok_usd=float(inp.total_price * scale),
        output_per_mtok_usd=float(out.total_price * scale),
        cached_input_per_mtok_usd=float(cached.total_price * scale),
        source=f"genai-prices {ref} ({inp.model.id})",
        context_window=inp.model.context_window,
    )


def _priced(model: str, provider: str | None) -> tuple[str, str] | None:
    from genai_prices import Usage, calc_price

    try:
        priced = calc_price(Usage(input_tokens=1000), model_ref=model, provider_id=provider)
    except (LookupError, ValueError, KeyError):
        return None
    return priced.model.id, priced.provider.id


@lru_cache(maxsize=1024)
def catalog_match(model: str, provider: str) -> tuple[str, str] | None:
    """(catalogue model id, provider id) of a logged model name, or None when unknown; the
    logged provider is tried first, then any provider."""
    for provider_id in ([provider, None] if provider else [None]):
        found = _priced(model, provider_id)
        if found is not None:
            return found
    return None
