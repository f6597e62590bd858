"""One entry point for every evaluation-table format: ``load_table(path, fmt, ...)``."""

from __future__ import annotations

from pathlib import Path

from workbench.domain.errors import ReplayError
from workbench.replay.table import EvalTable

FORMATS = ("routellm", "routerbench", "alpacaeval")


def load_table(path: Path, fmt: str, *, benchmark: str | None = None,
               price_overrides: dict[str, str] | None = None,
               output_tokens: float = 1.0, per_turn: bool = False) -> EvalTable:
    """Load ``path`` as ``fmt`` (routellm | routerbench | alpacaeval); ``per_turn`` makes
    each MT-Bench turn a row (default: a row per question, as RouteLLM routes). Example::

        table = load_table(Path("data/routellm"), "routellm", benchmark="mmlu")
    """
    path = Path(path)
    if not path.exists():
        raise ReplayError(f"{path}: no such file or directory")
    if fmt == "routellm":
        from workbench.replay.routellm import load_routellm
        return load_routellm(path, benchmark=benchmark, price_overrides=price_overrides,
                             output_tokens=output_tokens, per_turn=per_turn)
    if per_turn:
        raise ReplayError(f"--per-turn applies to --format routellm (MT-Bench) only "
                          f"(got --format {fmt})")
    if benchmark is not None:
        raise ReplayError(f"--benchmark applies to --format routellm only (got {benchmark!r})")
    if fmt == "routerbench":
        from workbench.replay.routerbench import load_routerbench
        return load_routerbench(path, price_overrides=price_overrides)
    if fmt == "alpacaeval":
        from workbench.replay.alpacaeval import load_alpacaeval
        return load_alpacaeval(path, price_overrides=price_overrides)
    raise ReplayError(f"--format must be one of {', '.join(FORMATS)} (got {fmt!r})")
