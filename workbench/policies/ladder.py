"""The escalation ladder's rules, one definition for the closed-form estimate, both
simulation paths and the replayed prompt: which rungs the judge checks, when it accepts an
output, and what is delivered on the last rung; nothing else restates them.

A judge looks at one output whose true outcome is a pass (its score clears the bar) or a fail.
It accepts a passing output with probability ``1 - false_reject`` and a failing one with
probability ``false_accept``; drawn with one uniform ``u`` in [0, 1) per judgement, it accepts
when ``u >= false_reject`` (pass) or ``u < false_accept`` (fail). Every rung is judged except
the last, unless the ladder sets ``judge_last``; an accepted output is delivered and stops the
ladder, a rejected one escalates to the next rung, and the last rung's output is delivered
whatever its judge says (nothing is left to escalate to).

Example::

    >>> import numpy as np
    >>> from workbench.domain.policy import Judge
    >>> judge = Judge(false_accept=0.05, false_reject=0.1)
    >>> judge_accepts(np.array([True, True, False]), np.array([0.01, 0.5, 0.01]), judge)
    array([False,  True,  True])
    >>> round(accept_probability(0.8, judge), 12)  # .72 + .01
    0.73
"""

from __future__ import annotations

import numpy as np

from workbench.domain.policy import Escalation, Judge


def is_judged(rung: int, escalation: Escalation) -> bool:
    """True when the judge checks the output of ``rung`` (0-based): every rung but the last,
    and the last too with ``judge_last``."""
    return rung < len(escalation.ladder) - 1 or escalation.judge_last


def judge_accepts(passed, draw, judge: Judge):
    """The judge's verdict on outputs that ``passed`` their bar (bools or a numpy array),
    given uniform ``draw``s in [0, 1): a passing output is rejected with ``false_reject``, a
    failing one accepted with ``false_accept``."""
    if isinstance(passed, np.ndarray):
        return np.where(passed, draw >= judge.false_reject, draw < judge.false_accept)
    return draw >= judge.false_reject if passed else draw < judge.false_accept


def accept_probability(pass_probability: float, judge: Judge) -> float:
    """P(the judge accepts) when the output passes with ``pass_probability``: the expectation
    of `judge_accepts`."""
    return (pass_probability * (1.0 - judge.false_reject)
            + (1.0 - pass_probability) * judge.false_accept)


def delivers(accepted, answered, rung: int, escalation: Escalation):
    """Whether a rung's output is delivered: accepted by the judge, or on the last rung any
    answer (a rejected last output is still delivered: nothing is left to escalate to)."""
    return answered if rung == len(escalation.ladder) - 1 else accepted
