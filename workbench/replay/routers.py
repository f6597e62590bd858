"""Router scores for threshold routers: a higher score means "send to the strong model".

- ``prompt_chars``: the prompt's length in characters (longer prompts go strong);
- ``group_gain``: the strong model's mean advantage over the weak one in the prompt's group
  (subject, eval_name, dataset), estimated on the *other* half of the prompts (2-fold
  cross-fitting, seeded) so that a prompt's own outcome never sets its score;
- any extra numeric column of the table (e.g. a router's win probability in a RouterBench file).
"""

from __future__ import annotations

import numpy as np

from workbench.domain.errors import ReplayError
from workbench.replay.table import EvalTable


def group_gain(table: EvalTable, strong: str, weak: str, rng: np.random.Generator) -> np.ndarray:
    """Cross-fitted per-group mean of (strong - weak) score; 0 for a group unseen in the
    other fold."""
    assert table.group_codes is not None
    _, group = table.group_codes
    gain = table.column(strong) - table.column(weak)
    fold = rng.integers(0, 2, table.n_prompts)
    score = np.zeros(table.n_prompts)
    n_groups = int(group.max()) + 1
    for k in (0, 1):
        train = fold != k
        total = np.bincount(group[train], weights=gain[train], minlength=n_groups)
        count = np.bincount(group[train], minlength=n_groups)
        mean = np.divide(total, count, out=np.zeros(n_groups), where=count > 0)
        score[fold == k] = mean[group[fold == k]]
    return score


def router_scores(table: EvalTable, strong: str, weak: str, rng: np.random.Generator,
                  names: tuple[str, ...] | None = None) -> dict[str, np.ndarray]:
    """The router scores available on ``table`` (all of them, or the ``names`` asked for)."""
    available: dict[str, object] = {}
    if table.prompt_chars is not None:
        available["prompt_chars"] = lambda: table.prompt_chars
    if table.groups is not None:
        available["group_gain"] = lambda: group_gain(table, strong, weak, rng)
    for name, values in table.extra_scores.items():
        available[name] = (lambda v=values: v)
    wanted = list(available) if names is None else list(names)
    unknown = [n for n in wanted if n not in available]
    if unknown:
        raise ReplayError(f"--router {unknown[0]!r} is not available on {table.source} "
                          f"(available: {', '.join(available) or 'none'})")
    return {name: np.asarray(available[name](), dtype=np.float64)  # type: ignore[operator]
            for name in wanted}
