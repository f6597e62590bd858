"""The escalation ladder's judge and delivery rules, pure and vectorised: one definition for
the closed-form estimate, the simulated task and the replayed prompt.

A judge looks at one output whose true outcome is a pass (its score clears the bar) or a fail.
It accepts a passing output with probability ``1 - false_reject`` and a failing one with
probability ``false_accept``; drawn with one uniform ``u`` in [0, 1) per judgement, it accepts
when ``u >= false_reject`` (pass) or ``u < false_accept`` (fail). Every rung is judged except
the last, unless the ladder sets ``judge_last``; an accepted output is delivered and stops the
ladder, a rejected one escalates to the next rung, and the last rung's output is delivered
whatever its judge says (nothing is left to escalate to).

Example::

    >>> import numpy as np
    >>> judge_accepts(np.array([True, True, False]), np.array([0.01, 0.5, 0.01]), 0.05, 0.1)
    array([False,  True,  True])
    >>> round(accept_probability(0.8, false_accept=0.05, false_reject=0.1), 12)  # .72 + .01
    0.73
"""

from __future__ import annotations

import numpy as np


def judge_accepts(passed: np.ndarray, draw: np.ndarray, false_accept: float,
                  false_reject: float) -> np.ndarray:
    """Bool per output: the judge accepts it, given whether it truly ``passed`` and a uniform
    ``draw`` in [0, 1) per output."""
    return np.where(passed, draw >= false_reject, draw < false_accept)


def accept_probability(pass_probability, false_accept: float, false_reject: float):
    """P(the judge accepts) of an output that passes with ``pass_probability`` (float or
    array): q (1 - false_reject) + (1 - q) false_accept."""
    q = pass_probability
    return q * (1.0 - false_reject) + (1.0 - q) * false_accept


def is_judged(rung: int, n_rungs: int, judge_last: bool) -> bool:
    """Whether rung ``rung`` (0-based) of an ``n_rungs`` ladder is judged."""
    return rung < n_rungs - 1 or judge_last


def delivered(rung: int, n_rungs: int, accepted: np.ndarray) -> np.ndarray:
    """Bool per output reaching rung ``rung``: it is delivered there (accepted, or the last
    rung, which delivers whatever its judge says)."""
    if rung == n_rungs - 1:
        return np.ones(np.shape(accepted), dtype=bool)
    return np.asarray(accepted, dtype=bool)
