"""Model: a callable LLM with its price, deployment, latency profile and quality profile."""

from __future__ import annotations

import math
from typing import Literal

from pydantic import Field, NonNegativeFloat, PositiveFloat, PositiveInt, model_validator

from workbench.domain.base import Frozen
from workbench.domain.catalog import TokenPrice, resolve_price
from workbench.domain.requirements import Capabilities

Z95 = 1.6448536269514722  # standard normal quantile at 0.95
MAX_SPREAD = 1000.0  # a p95 / median ratio above this is a typo, not a distribution


class Price(Frozen):
    """How a model is billed: a genai-prices reference, explicit USD per million tokens, or a
    flat USD per request. Exactly one form."""

    ref: str | None = None
    input_per_mtok_usd: NonNegativeFloat | None = None
    output_per_mtok_usd: NonNegativeFloat | None = None
    cached_input_per_mtok_usd: NonNegativeFloat | None = None
    per_request_usd: NonNegativeFloat | None = None

    @model_validator(mode="after")
    def _one_form(self) -> Price:
        token = self.input_per_mtok_usd is not None or self.output_per_mtok_usd is not None
        forms = [self.ref is not None, token, self.per_request_usd is not None]
        if sum(forms) != 1:
            raise ValueError("give exactly one of ref, input/output_per_mtok_usd, per_request_usd")
        if token and (self.input_per_mtok_usd is None or self.output_per_mtok_usd is None):
            raise ValueError("token prices need both input_per_mtok_usd and output_per_mtok_usd")
        return self

    def token_price(self) -> TokenPrice | None:
        """Resolved per-token prices, or None for a per-request price."""
        if self.per_request_usd is not None:
            return None
        if self.ref is not None:
            return resolve_price(self.ref)
        inp = float(self.input_per_mtok_usd)  # type: ignore[arg-type]
        cached = self.cached_input_per_mtok_usd
        return TokenPrice(inp, float(self.output_per_mtok_usd),  # type: ignore[arg-type]
                          inp if cached is None else float(cached), source="explicit")

    def call_cost_usd(self, input_tokens: float, output_tokens: float,
                      cached_input_tokens: float = 0.0) -> float:
        """USD for one call (expected cost when token counts are means: prices are linear)."""
        if self.per_request_usd is not None:
            return float(self.per_request_usd)
        return self.token_price().cost_usd(input_tokens, output_tokens,  # type: ignore[union-attr]
                                           cached_input_tokens)


class Deployment(Frozen):
    """``api`` (pay per call) or ``self_hosted`` (pay ``hourly_usd`` x ``instances`` around the
    clock whenever a policy uses the model)."""

    kind: Literal["api", "self_hosted"] = "api"
    hourly_usd: NonNegativeFloat = 0.0
    instances: PositiveInt = 1

    def monthly_usd(self, days_per_month: float) -> float:
        """Fixed hosting cost of one month in USD."""
        if self.kind != "self_hosted":
            return 0.0
        return self.hourly_usd * self.instances * 24.0 * days_per_month


class LatencyProfile(Frozen):
    """Time to first token ~ lognormal(median, p95) in seconds; output streams at
    ``tokens_per_s`` (lognormal with ``tokens_per_s_p05`` as its 5th percentile, else fixed)."""

    ttft_median_s: PositiveFloat = 0.5    # defaults: hosted Llama-2-70B endpoints, llmperf
    ttft_p95_s: PositiveFloat = 0.8       # Dec 2023 (Together, Fireworks, Anyscale ranges)
    tokens_per_s: PositiveFloat = 65.0
    tokens_per_s_p05: PositiveFloat | None = None

    @model_validator(mode="after")
    def _ordered(self) -> LatencyProfile:
        if self.ttft_p95_s < self.ttft_median_s:
            raise ValueError("ttft_p95_s must be >= ttft_median_s")
        if self.ttft_p95_s > MAX_SPREAD * self.ttft_median_s:
            raise ValueError(f"ttft_p95_s must be at most {MAX_SPREAD:g} x ttft_median_s")
        if self.tokens_per_s_p05 is not None and self.tokens_per_s_p05 > self.tokens_per_s:
            raise ValueError("tokens_per_s_p05 must be <= tokens_per_s (the median)")
        if self.tokens_per_s_p05 is not None and \
                self.tokens_per_s > MAX_SPREAD * self.tokens_per_s_p05:
            raise ValueError(f"tokens_per_s must be at most {MAX_SPREAD:g} x tokens_per_s_p05")
        return self

    @property
    def ttft_sigma(self) -> float:
        """Log-space standard deviation of time to first token."""
        return math.log(self.ttft_p95_s / self.ttft_median_s) / Z95

    @property
    def tps_sigma(self) -> float:
        """Log-space standard deviation of tokens per second (0 when fixed)."""
        if self.tokens_per_s_p05 is None:
            return 0.0
        return math.log(self.tokens_per_s / self.tokens_per_s_p05) / Z95


class ScoreProfile(Frozen):
    """Quality score of one output ~ Normal(mean, sd) clipped to [0, 1]."""

    mean: float = Field(1.0, ge=0.0, le=1.0)
    sd: NonNegativeFloat = 0.0

    def pass_probability(self, bar: float) -> float:
        """P(score >= bar)."""
        if self.sd == 0.0:
            return 1.0 if self.mean >= bar else 0.0
        z = (bar - self.mean) / self.sd
        return 0.5 * math.erfc(z / math.sqrt(2.0))


class QualityProfile(ScoreProfile):
    """Default score profile with optional per-category overrides."""

    by_category: dict[str, ScoreProfile] = Field(default_factory=dict)

    def for_category(self, category: str) -> ScoreProfile:
        """The profile that applies to ``category``."""
        return self.by_category.get(category, self)


class Model(Frozen):
    """A callable LLM. ``quality`` defaults to always passing: state it in real scenarios."""

    name: str = Field(min_length=1)
    provider: str = Field(min_length=1)
    price: Price | None = None
    context_window: PositiveInt | None = None
    deployment: Deployment = Deployment()
    latency: LatencyProfile = LatencyProfile()
    quality: QualityProfile = QualityProfile()
    open_weights: bool = False
    capabilities: Capabilities = Capabilities()
    tier: Literal["premium", "standard", "budget"] | None = None

    @model_validator(mode="after")
    def _priced(self) -> Model:
        if self.price is None and self.deployment.kind != "self_hosted":
            raise ValueError("an API model needs a price (ref, per-token or per-request); "
                             "an unpriced model is an error, never $0")
        return self

    def call_cost_usd(self, input_tokens: float, output_tokens: float,
                      cached_input_tokens: float = 0.0) -> float:
        """USD per call; a self-hosted model without a token price costs only its hours."""
        if self.price is None:
            return 0.0
        return self.price.call_cost_usd(input_tokens, output_tokens, cached_input_tokens)

    def window_tokens(self) -> int | None:
        """Context window in tokens: stated, else genai-prices', else unknown."""
        if self.context_window is not None:
            return self.context_window
        if self.price is not None and self.price.ref is not None:
            return self.price.token_price().context_window  # type: ignore[union-attr]
        return None
