"""CallSpec: what the engine needs to know to make a call to one model - price as a vectorised
function of tokens, failure probability per provider state, latency profile, limits."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from workbench.domain.catalog import TokenPrice
from workbench.domain.model import Model
from workbench.domain.provider import Provider
from workbench.domain.scenario import Scenario


@dataclass(frozen=True)
class CallSpec:
    """One model as the engine calls it."""

    model: Model
    provider: Provider
    fail_by_state: np.ndarray  # P(call fails) in state up / degraded / down
    per_request_usd: float | None
    token_price: TokenPrice | None  # None: per request, or self-hosted (paid by the hour)

    @classmethod
    def of(cls, scenario: Scenario, name: str) -> CallSpec:
        """Build the spec of model ``name``."""
        model = scenario.model(name)
        provider = scenario.provider(model.provider)
        fail = np.array([provider.error_rate, provider.degraded_error_rate, 1.0])
        price = model.price
        if price is None:  # self-hosted, paid by the hour
            return cls(model, provider, fail, None, None)
        if price.per_request_usd is not None:
            return cls(model, provider, fail, float(price.per_request_usd), None)
        return cls(model, provider, fail, None, price.token_price())

    def cost_usd(self, input_tokens, output_tokens, cached_input_tokens):
        """USD of successful calls with these token counts (numbers or numpy arrays): the one
        price formula, `workbench.domain.catalog.TokenPrice.cost_usd`."""
        flat = self.per_request_usd if self.per_request_usd is not None else (
            0.0 if self.token_price is None else None)
        if flat is not None:
            if isinstance(input_tokens, np.ndarray):
                return np.full(input_tokens.shape, flat)
            return flat
        return self.token_price.cost_usd(input_tokens, output_tokens, cached_input_tokens)


class CallSpecs(dict):
    """Lazily built CallSpec per model name."""

    def __init__(self, scenario: Scenario) -> None:
        super().__init__()
        self.scenario = scenario

    def __missing__(self, name: str) -> CallSpec:
        spec = CallSpec.of(self.scenario, name)
        self[name] = spec
        return spec
