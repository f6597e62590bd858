"""The run folder of a probe: what was sent and what came back, safe to kill at any moment.

    run.json          what the run is (config file, scenario, fingerprint of its jobs); no keys
    records.jsonl     one CallRecord per attempt, appended and flushed per record
    outputs.jsonl     the text of each delivered output (for A/B judging and audit)
    judgments.jsonl   A/B verdicts (the last row of a sample counts; undecided ones are retried)
    ledger.jsonl      the write-ahead spend ledger (``workbench.probe.ledger``)
    records.parquet   on export, with the schema of ``RECORD_SCHEMA``

Each line is written and flushed as soon as it exists (a killed process loses nothing: the OS
holds it); under an event loop the files are fsynced ``FSYNC_INTERVAL_S`` after the first
unsynced write (group commit, no thread), so a machine crash loses at most that window;
``close`` syncs everything. ``durable(name)`` waits until a file is on disk (group commit:
one fsync in a worker thread serves every writer that arrived before it started) - the spend
ledger awaits it before each request is sent. Reading tolerates a torn last line (the tail is
truncated before appending again).
"""

from __future__ import annotations

import asyncio
import json
import os
from pathlib import Path
from typing import Any

from workbench.domain.bounded_read import MIB, ReadLimits, parse_json, read_json
from workbench.domain.errors import ProbeError, ScenarioError
from workbench.domain.records import RECORD_SCHEMA, CallRecord

_NAMES = tuple(RECORD_SCHEMA)
FSYNC_INTERVAL_S = 0.05
META_LIMITS = ReadLimits(max_bytes=MIB)  # run.json is a few hundred bytes


def read_jsonl(path: Path) -> tuple[list[dict[str, Any]], int]:
    """Rows of a JSONL file and the byte length of its valid part. A line is written with its
    newline in one call, so bytes after the last newline are a torn write and are dropped; a
    complete line that is not JSON is a ProbeError."""
    if not path.exists():
        return [], 0
    data = path.read_bytes()
    valid = data.rfind(b"\n") + 1
    rows: list[dict[str, Any]] = []
    for number, line in enumerate(data[:valid].split(b"\n")[:-1], start=1):
        if not line.strip():
            continue
        try:
            row = parse_json(line, str(path), f"line {number}")
        except ScenarioError as exc:
            raise ProbeError(f"{exc}; the run store is damaged (move the file away to start "
                             "over)") from None
        if not isinstance(row, dict):
            raise ProbeError(f"{path}: line {number} is not a JSON object; the run store is "
                             "damaged (move the file away to start over)")
        rows.append(row)
    return rows, valid


_NONE = type(None)


def _field_types() -> dict[str, tuple[type, ...]]:
    """Python types each CallRecord field accepts (int for float fields too)."""
    import typing

    out: dict[str, tuple[type, ...]] = {}
    for name, hint in typing.get_type_hints(CallRecord).items():
        kinds = typing.get_args(hint) or (hint,)
        accepted = tuple(k for k in kinds if isinstance(k, type))
        if float in accepted:
            accepted += (int,)
        out[name] = accepted
    return out


def check_records(rows: list[dict[str, Any]], path: Path) -> None:
    """ProbeError naming the line, field and value of the first row that is not a CallRecord
    (a missing field or a value of the wrong type)."""
    types = _field_types()
    for number, row in enumerate(rows, start=1):
        for field, accepted in types.items():
            if field not in row:
                raise ProbeError(f"{path}: record {number}: missing field {field!r}; not a "
                                 "record of a probe run")
            value = row[field]
            if not isinstance(value, accepted) or (isinstance(value, bool)
                                                   and bool not in accepted):
                raise ProbeError(f"{path}: record {number}: {field}: expected "
                                 f"{' or '.join(t.__name__ for t in accepted)} "
                                 f"(got {str(value)[:60]!r})")


def config_diff(old: Any, new: Any, path: str = "") -> list[str]:
    """``path: old -> new`` for every leaf that differs between two settings documents."""
    if isinstance(old, dict) and isinstance(new, dict):
        out: list[str] = []
        for key in sorted(set(old) | set(new), key=str):
            out += config_diff(old.get(key, "(absent)"), new.get(key, "(absent)"),
                               f"{path}.{key}" if path else str(key))
        return out
    if old == new or old is None and path == "":
        return []
    return [f"{path or 'settings'}: {old!r} -> {new!r}"]


class _Appender:
    """A JSONL file opened for appending; the torn tail of an earlier session cut off."""

    def __init__(self, path: Path, valid_bytes: int) -> None:
        if path.exists() and path.stat().st_size != valid_bytes:
            with open(path, "r+b") as handle:
                handle.truncate(valid_bytes)
        self.file = open(path, "a", encoding="utf-8")  # noqa: SIM115 - closed by close()

    def write(self, row: dict[str, Any]) -> None:
        self.file.write(json.dumps(row, separators=(",", ":")) + "\n")
        self.file.flush()


class RunStore:
    """A probe run folder (see the module docstring)."""

    def __init__(self, out: str | Path) -> None:
        self.out = Path(out)
        self.meta_path = self.out / "run.json"
        self.records_path = self.out / "records.jsonl"
        self.outputs_path = self.out / "outputs.jsonl"
        self.judgments_path = self.out / "judgments.jsonl"
        self.ledger_path = self.out / "ledger.jsonl"
        self._files: dict[str, _Appender] = {}
        self._written: dict[str, int] = {}
        self._synced: dict[str, int] = {}
        self._syncing: dict[str, asyncio.Future] = {}
        self._sync_handle: asyncio.TimerHandle | None = None
        self._run_id: str | None = None

    @property
    def run_id(self) -> str:
        """The run's name: its folder's name."""
        if self._run_id is None:
            self._run_id = self.out.resolve().name
        return self._run_id

    def meta(self) -> dict[str, Any] | None:
        """run.json, or None for a new run."""
        if not self.meta_path.exists():
            return None
        try:
            meta = read_json(self.meta_path, META_LIMITS)
        except ScenarioError as exc:
            raise ProbeError(str(exc)) from None
        if not isinstance(meta, dict):
            raise ProbeError(f"{self.meta_path}: not a JSON object")
        return meta

    def begin(self, meta: dict[str, Any], resume: bool) -> bool:
        """Create or reopen the run; True when earlier records exist. A different config
        (fingerprint) or ``resume=False`` on an existing run is a ProbeError."""
        old = self.meta()
        if old is not None:
            if not resume:
                raise ProbeError(f"{self.out} already holds a probe run; resume it (--resume) "
                                 "or choose another --out")
            if "measured" in meta and "measured" not in old:
                raise ProbeError(f"{self.out} holds a run made by an older workbench (before "
                                 "the spend ledger and the recorded settings); finish it "
                                 "with that version or choose another --out")
            if old.get("fingerprint") != meta["fingerprint"]:
                changes = config_diff(old.get("measured"), meta.get("measured"))
                what = ("changed: " + "; ".join(changes)) if changes else (
                    f"fingerprint {old.get('fingerprint')} != {meta['fingerprint']}: the "
                    "sampled tasks, prompts or checks differ")
                raise ProbeError(f"{self.out} holds a run of a different config ({what}); "
                                 "resuming would mix two measurements - restore the config "
                                 "or choose another --out (or --new-run to move this one aside)")
        self.out.mkdir(parents=True, exist_ok=True)
        if old is None:
            tmp = self.meta_path.with_suffix(".tmp")
            tmp.write_text(json.dumps(meta, indent=2), encoding="utf-8")
            os.replace(tmp, self.meta_path)
        return old is not None

    def archive(self) -> Path | None:
        """Move an existing run aside to ``OUT-1`` (the first free ``OUT-N``) so a new run can
        start in ``OUT``; return where it went (None when there was no run)."""
        if not self.meta_path.exists():
            return None
        n = 1
        while (target := self.out.with_name(f"{self.out.name}-{n}")).exists():
            n += 1
        os.replace(self.out, target)
        return target

    def load(self, name: str) -> list[dict[str, Any]]:
        """Rows of ``records``, ``outputs``, ``judgments`` or ``ledger``."""
        return read_jsonl(getattr(self, f"{name}_path"))[0]

    def _appender(self, name: str) -> _Appender:
        if name not in self._files:
            path = getattr(self, f"{name}_path")
            self._files[name] = _Appender(path, read_jsonl(path)[1])
        return self._files[name]

    def append(self, name: str, row: dict[str, Any]) -> None:
        """Append a row to ``records``, ``outputs``, ``judgments`` or ``ledger`` and flush
        it."""
        self._appender(name).write(row)
        self._written[name] = self._written.get(name, 0) + 1
        if self._sync_handle is None:
            try:
                loop = asyncio.get_running_loop()
            except RuntimeError:
                return  # no event loop: synced on close()
            self._sync_handle = loop.call_later(FSYNC_INTERVAL_S, self._sync)

    def append_record(self, record: CallRecord) -> None:
        """Append one CallRecord."""
        self.append("records", {name: getattr(record, name) for name in _NAMES})

    def _sync(self) -> None:
        """fsync every open file (group commit: one call per interval while writes arrive)."""
        self._sync_handle = None
        for appender in self._files.values():
            os.fsync(appender.file.fileno())

    async def durable(self, name: str) -> None:
        """Return once every row appended to ``name`` so far is fsynced."""
        target = self._written.get(name, 0)
        while self._synced.get(name, 0) < target:
            if name not in self._syncing:
                self._syncing[name] = asyncio.ensure_future(self._fsync(name))
            await asyncio.shield(self._syncing[name])

    async def _fsync(self, name: str) -> None:
        upto = self._written.get(name, 0)
        try:
            await asyncio.to_thread(os.fsync, self._files[name].file.fileno())
            self._synced[name] = max(self._synced.get(name, 0), upto)
        finally:
            del self._syncing[name]

    async def drain(self) -> None:
        """Wait for fsyncs still running in worker threads (before ``close``)."""
        while self._syncing:
            await asyncio.gather(*self._syncing.values(), return_exceptions=True)

    def close(self) -> None:
        """Sync and close every file."""
        if self._sync_handle is not None:
            self._sync_handle.cancel()
            self._sync_handle = None
        for appender in self._files.values():
            appender.file.flush()
            os.fsync(appender.file.fileno())
            appender.file.close()
        self._files.clear()

    def frame(self):
        """Records as a polars DataFrame with the declared schema."""
        import polars as pl

        schema = {name: getattr(pl, dtype) for name, dtype in RECORD_SCHEMA.items()}
        rows = self.load("records")
        return pl.DataFrame(rows, schema=schema, orient="row") if rows else \
            pl.DataFrame(schema=schema)

    def export_parquet(self) -> Path:
        """Write records.parquet; return its path."""
        path = self.out / "records.parquet"
        self.frame().write_parquet(path)
        return path
