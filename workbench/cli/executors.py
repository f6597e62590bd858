"""Where CLI work runs: a Dask cluster's executor for ``--dask ADDRESS``, else locally."""

from __future__ import annotations

from workbench.domain.errors import ScenarioError


def dask_executor(dask: str | None):
    """A context manager giving the Dask cluster's executor, or None (local)."""
    from contextlib import contextmanager, nullcontext

    if not dask:
        return nullcontext(None)
    try:
        from dask.distributed import Client
    except ImportError:
        raise ScenarioError("Dask is not installed: pip install 'workbench[dask]'",
                            path="--dask", value=dask) from None

    @contextmanager
    def connected():
        try:
            client = Client(dask, timeout="20s")
        except (OSError, TimeoutError, ValueError) as exc:
            raise ScenarioError(f"cannot reach the Dask scheduler ({exc})", path="--dask",
                                value=dask) from None
        with client:
            yield client.get_executor()

    return connected()
