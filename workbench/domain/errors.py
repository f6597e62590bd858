"""The one error tree of the workbench.

    WorkbenchError            anything the user can fix; the CLI exits 2 with its message
     +-- ScenarioError        a scenario or config file: file, field path, bad value
     |    +-- AuditError      a log export: file, row and column, bad value
     +-- PolicyError          a policy that cannot be executed as written
     +-- ReplayError          an evaluation table that cannot be read
     +-- ProbeError           live mode: endpoint, key variable, run store

Messages name the file, the field path and the bad value; they never carry secrets.
"""

from __future__ import annotations

from typing import Any


class WorkbenchError(Exception):
    """Base of every error the user can act on."""


class ScenarioError(WorkbenchError):
    """A scenario (or config) file is invalid.

    >>> str(ScenarioError("must be positive", file="s.yaml", path="workload.per_day", value=-3))
    "s.yaml: workload.per_day: must be positive (got -3)"
    """

    def __init__(self, message: str, *, file: str | None = None, path: str = "",
                 value: Any = ...) -> None:
        self.file = file
        self.path = path
        self.value = value
        self.reason = message
        super().__init__(self._render())

    def _render(self) -> str:
        where = ": ".join(part for part in (self.file, self.path) if part)
        text = f"{where}: {self.reason}" if where else self.reason
        if self.value is not ...:
            shown = repr(self.value)
            if len(shown) > 80:
                shown = shown[:77] + "..."
            text += f" (got {shown})"
        return text.replace("\r", "\\r").replace("\n", "\\n")  # one line, whatever the names

    def in_file(self, file: str) -> ScenarioError:
        """Return the same error attributed to ``file``."""
        return ScenarioError(self.reason, file=file, path=self.path, value=self.value)


class PolicyError(WorkbenchError):
    """A policy cannot be executed as written."""


class ReplayError(WorkbenchError):
    """An evaluation table cannot be read or replayed."""


class ProbeError(WorkbenchError):
    """Live mode failed in a way the user must fix (config, key variable, run store)."""


class AuditError(ScenarioError):
    """A log export cannot be read: the file, the row and column (as ``path``) and the value.

    >>> str(AuditError("not a number", file="logs.csv", path="row 7, column spend", value="x"))
    "logs.csv: row 7, column spend: not a number (got 'x')"
    """
