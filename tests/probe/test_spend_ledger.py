"""The spend guard's ledger by hand: worst cases, the cap edge, peak spend when a request
settles above what it reserved, releases, and acquire's refusal rule."""

from __future__ import annotations

import asyncio

import pytest

from workbench.domain.model import Model
from workbench.probe.spend import _EPS_USD, SpendGuard, worst_case_prompt_tokens, worst_case_usd


def test_worst_case_prompt_tokens():
    """ceil(100 x 1.25) + 16 = 141; ceil(101 x 1.25) = ceil(126.25) = 127, + 16 = 143."""
    assert worst_case_prompt_tokens(100) == 141
    assert worst_case_prompt_tokens(101) == 143
    assert worst_case_prompt_tokens(0) == 16


def test_worst_case_usd_at_list_price():
    """(141 x $2 + 50 x $10) / 1e6 = $0.000782."""
    model = Model(name="m", provider="p",
                  price={"input_per_mtok_usd": 2.0, "output_per_mtok_usd": 10.0})
    assert worst_case_usd(model, 100, 50) == pytest.approx(782e-6, abs=1e-15)


def test_settling_above_the_reservation_raises_peak_spend():
    """Reserve 0.3 (peak 0.3), the bill is 0.5: spent 0.5, nothing reserved, peak 0.5."""
    guard = SpendGuard(1.0)
    reservation = guard.reserve(0.3)
    assert guard.peak_usd == pytest.approx(0.3)
    reservation.settle(0.5)
    assert guard.spent_usd == pytest.approx(0.5)
    assert guard.reserved_usd == 0.0
    assert guard.peak_usd == pytest.approx(0.5)
    assert guard.remaining_usd == pytest.approx(0.5)


def test_settling_above_while_another_request_is_in_flight():
    """0.3 and 0.2 reserved (peak 0.5); the first costs 0.6: spent 0.6 + 0.2 still in flight
    = 0.8, the new peak."""
    guard = SpendGuard(2.0)
    first, _second = guard.reserve(0.3), guard.reserve(0.2)
    first.settle(0.6)
    assert (guard.spent_usd, guard.reserved_usd) == pytest.approx((0.6, 0.2))
    assert guard.peak_usd == pytest.approx(0.8)


def test_peak_counts_money_in_flight_and_survives_settling_below():
    """0.3 + 0.4 in flight: peak 0.7; the first settles at 0.1: spent 0.1, reserved 0.4,
    peak stays 0.7; the second at 0.45: spent 0.55, peak 0.7."""
    guard = SpendGuard(1.0)
    first, second = guard.reserve(0.3), guard.reserve(0.4)
    assert guard.peak_usd == pytest.approx(0.7) and guard.remaining_usd == pytest.approx(0.3)
    first.settle(0.1)
    assert (guard.spent_usd, guard.reserved_usd) == pytest.approx((0.1, 0.4))
    assert guard.peak_usd == pytest.approx(0.7)
    second.settle(0.45)
    assert guard.spent_usd == pytest.approx(0.55) and guard.peak_usd == pytest.approx(0.7)


def test_the_cap_edge():
    """Spent 0.25 of 1.0: 0.75 fits exactly, then 1e-9 more does not; a release frees it."""
    guard = SpendGuard(1.0, spent_usd=0.25)
    assert guard.peak_usd == 0.25
    held = guard.reserve(0.75)
    assert held is not None and held.amount_usd == 0.75 and held.open
    assert guard.reserve(1e-9) is None
    held.release()
    assert held.open is False
    assert guard.spent_usd == 0.25 and guard.reserved_usd == 0.0
    assert guard.peak_usd == pytest.approx(1.0)
    with pytest.raises(RuntimeError, match="^reservation already closed$"):
        held.release()


def test_rounding_tolerance_at_the_cap():
    """A request may overshoot the cap by the float tolerance _EPS_USD, not by twice it."""
    assert SpendGuard(1.0).reserve(1.0 + _EPS_USD) is not None
    assert SpendGuard(1.0).reserve(1.0 + 2 * _EPS_USD) is None


@pytest.mark.parametrize("worst", [1.0, 1.0 + _EPS_USD])
def test_acquire_waits_for_a_request_that_fits_exactly_once_the_rest_settles(worst):
    """Nothing spent, 0.3 in flight: a request of the whole cap (or the cap plus the
    tolerance) waits rather than being refused, and gets its money on the release."""
    async def run() -> None:
        guard = SpendGuard(1.0)
        held = guard.reserve(0.3)
        waiting = asyncio.ensure_future(guard.acquire(worst))
        await asyncio.sleep(0.01)
        assert not waiting.done()
        held.release()
        got = await waiting
        assert got is not None and got.amount_usd == worst

    asyncio.run(run())


def test_negative_amounts_count_as_zero():
    guard = SpendGuard(1.0)
    reservation = guard.reserve(-0.5)
    assert reservation.amount_usd == 0.0 and guard.reserved_usd == 0.0
    reservation.settle(-0.2)
    assert guard.spent_usd == 0.0


@pytest.mark.parametrize("cap", [0.0, -1.0])
def test_cap_must_be_positive(cap):
    with pytest.raises(ValueError, match="spend cap must be positive"):
        SpendGuard(cap)


def test_repr_shows_the_ledger():
    guard = SpendGuard(2.0, spent_usd=0.5)
    guard.reserve(0.25)
    assert repr(guard) == "SpendGuard(cap_usd=2.0, spent_usd=0.500000, reserved_usd=0.250000)"


def test_acquire_refuses_only_what_cannot_fit_once_everything_settles():
    """Spent 0.5 of 1.0 and 0.3 in flight: a 0.6 request can never fit (0.5 + 0.6 > 1): None
    at once; a 0.4 request waits, and gets its money when the 0.3 settles at 0.1 (0.6 + 0.4
    = 1.0 exactly)."""
    async def run() -> None:
        guard = SpendGuard(1.0, spent_usd=0.5)
        held = guard.reserve(0.3)
        assert await guard.acquire(0.6) is None
        waiting = asyncio.ensure_future(guard.acquire(0.4))
        await asyncio.sleep(0.01)
        assert not waiting.done()
        held.settle(0.1)
        got = await waiting
        assert got is not None and got.amount_usd == 0.4
        assert guard.remaining_usd == pytest.approx(0.0, abs=1e-12)
        assert await SpendGuard(1.0).acquire(1.0) is not None

    asyncio.run(run())


def test_spend_of_an_earlier_session_counts_against_the_cap():
    from workbench.probe.spend import SpendGuard

    guard = SpendGuard(1.0)
    held = guard.reserve(0.25)
    guard.charge(0.5)  # resumed: $0.50 recorded (or interrupted at worst case) before
    assert guard.spent_usd == 0.5 and guard.peak_usd == 0.75  # 0.5 spent + 0.25 held
    assert guard.reserve(0.3) is None  # 0.5 + 0.25 + 0.3 would cross $1
    held.settle(0.25)
    assert guard.remaining_usd == pytest.approx(0.25)
