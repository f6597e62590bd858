"""CallSpec: what the engine needs to know to make a call to one model - price as a vectorised
function of tokens, failure probability per provider state, latency profile, limits."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from workbench.domain.model import Model
from workbench.domain.provider import Provider
from workbench.domain.scenario import Scenario

MTOK = 1_000_000.0


@dataclass(frozen=True)
class CallSpec:
    """One model as the engine calls it."""

    model: Model
    provider: Provider
    fail_by_state: np.ndarray  # P(call fails) in state up / degraded / down
    per_request_usd: float | None
    input_usd_per_token: float
    cached_usd_per_token: float
    output_usd_per_token: float

    @classmethod
    def of(cls, scenario: Scenario, name: str) -> CallSpec:
        """Build the spec of model ``name``."""
        model = scenario.model(name)
        provider = scenario.provider(model.provider)
        fail = np.array([provider.error_rate, provider.degraded_error_rate, 1.0])
        price = model.price
        if price is None:  # self-hosted, paid by the hour
            return cls(model, provider, fail, None, 0.0, 0.0, 0.0)
        if price.per_request_usd is not None:
            return cls(model, provider, fail, float(price.per_request_usd), 0.0, 0.0, 0.0)
        tp = price.token_price()
        assert tp is not None
        return cls(model, provider, fail, None, tp.input_per_mtok_usd / MTOK,
                   tp.cached_input_per_mtok_usd / MTOK, tp.output_per_mtok_usd / MTOK)

    def cost_usd(self, input_tokens: np.ndarray, cached_tokens: np.ndarray,
                 output_tokens: np.ndarray) -> np.ndarray:
        """USD of successful calls with these token counts."""
        if self.per_request_usd is not None:
            return np.full(np.shape(input_tokens), self.per_request_usd)
        return ((input_tokens - cached_tokens) * self.input_usd_per_token
                + cached_tokens * self.cached_usd_per_token
                + output_tokens * self.output_usd_per_token)

    def cost_one_usd(self, input_tokens: int, cached_tokens: int, output_tokens: int) -> float:
        """USD of one successful call."""
        if self.per_request_usd is not None:
            return self.per_request_usd
        return ((input_tokens - cached_tokens) * self.input_usd_per_token
                + cached_tokens * self.cached_usd_per_token
                + output_tokens * self.output_usd_per_token)


class CallSpecs(dict):
    """Lazily built CallSpec per model name."""

    def __init__(self, scenario: Scenario) -> None:
        super().__init__()
        self.scenario = scenario

    def __missing__(self, name: str) -> CallSpec:
        spec = CallSpec.of(self.scenario, name)
        self[name] = spec
        return spec
