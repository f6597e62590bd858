"""Uploads from strangers: per kind, a size cap and a row cap stated on the page; the file is
copied in chunks into a bounded temporary folder that is removed as soon as it has been read.

An over-limit, undecodable or invalid file becomes a `WorkbenchError` whose message the page
shows with `show_error` (as plain text, never markdown), so no upload freezes a page or shows a
traceback.
"""

from __future__ import annotations

import math
import re
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

from workbench.domain.bounded_read import MIB, ReadLimits, describe_size
from workbench.domain.errors import ScenarioError, WorkbenchError

CHUNK_BYTES = 64 * 1024
SERVER_MAX_UPLOAD_MB = 16  # streamlit --server.maxUploadSize: no upload kind is larger
FOLDER_MAX_BYTES = 64 * MIB  # all uploads being read at one moment, every session together


@dataclass(frozen=True)
class UploadKind:
    """What the app accepts for one kind of upload: extensions, bytes and rows (for YAML, the
    values it holds, aliases expanded)."""

    label: str
    extensions: tuple[str, ...]
    max_bytes: int
    max_rows: int
    rows_noun: str

    @property
    def max_upload_mb(self) -> int:
        """The cap in whole megabytes, for ``st.file_uploader(max_upload_size=...)``."""
        return max(1, math.ceil(self.max_bytes / MIB))

    @property
    def limits(self) -> ReadLimits:
        """The bounded reader's limits for this kind."""
        return ReadLimits(max_bytes=self.max_bytes, max_nodes=self.max_rows,
                          max_alias_nodes=self.max_rows)

    def limits_text(self) -> str:
        """The sentence the page shows under the uploader."""
        return (f"Limits: {', '.join('.' + e for e in self.extensions)} up to "
                f"{describe_size(self.max_bytes)} and {self.max_rows:,} {self.rows_noun}.")


SCENARIO_UPLOAD = UploadKind("scenario (YAML)", ("yaml", "yml"), MIB, 50_000, "YAML values")


def safe_name(name: str, kind: UploadKind) -> str:
    """A file name safe to create: the last path part, letters, digits, ``.-_`` only."""
    base = re.sub(r"[^A-Za-z0-9._-]", "_", Path(name.replace("\\", "/")).name)[:100]
    base = base.lstrip(".") or "upload"
    if not base.lower().endswith(tuple("." + e for e in kind.extensions)):
        base += "." + kind.extensions[0]
    return base


_ROOT: list[Path] = []


def upload_root() -> Path:
    """This process's private folder (mode 700) for uploads being read; empty between reads."""
    if not _ROOT or not _ROOT[0].is_dir():
        _ROOT[:] = [Path(tempfile.mkdtemp(prefix="workbench-uploads-"))]
    return _ROOT[0]


def _in_use(root: Path) -> int:
    """Bytes under ``root`` now (files vanishing meanwhile count as 0)."""
    total = 0
    for path in root.rglob("*"):
        try:
            total += path.stat().st_size if path.is_file() else 0
        except OSError:
            continue
    return total


@contextmanager
def staged(name: str, source: BinaryIO, kind: UploadKind, size: int | None = None
           ) -> Iterator[Path]:
    """The upload copied in chunks to a fresh folder under `upload_root` (refused past
    ``kind.max_bytes``, or when the folder would pass FOLDER_MAX_BYTES); the folder is removed
    on exit, whatever happens."""
    cap = kind.max_bytes
    if size is not None and size > cap:
        raise ScenarioError(f"file over the {describe_size(cap)} limit for a {kind.label} "
                            f"({describe_size(size)})", file=name)
    root = upload_root()
    if _in_use(root) + (size or cap) > FOLDER_MAX_BYTES:
        raise WorkbenchError("too many uploads are being read right now; try again in a moment")
    folder = Path(tempfile.mkdtemp(prefix="upload-", dir=root))
    try:
        path = folder / safe_name(name, kind)
        _copy(name, source, path, kind)
        yield path
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _copy(name: str, source: BinaryIO, path: Path, kind: UploadKind) -> None:
    """Copy ``source`` to ``path`` in chunks, stopping one chunk past ``kind.max_bytes``."""
    cap = kind.max_bytes
    if hasattr(source, "seek"):
        source.seek(0)
    written = 0
    try:
        with open(path, "wb") as out:
            while chunk := source.read(CHUNK_BYTES):
                written += len(chunk)
                if written > cap:
                    raise ScenarioError(f"file over the {describe_size(cap)} limit for a "
                                        f"{kind.label}", file=name)
                out.write(chunk)
    except OSError as exc:
        raise WorkbenchError(f"{name}: the upload could not be stored "
                             f"({exc.strerror or type(exc).__name__})") from None


def load_scenario_upload(upload: Any, kind: UploadKind = SCENARIO_UPLOAD):
    """Validate an uploaded scenario (a Streamlit ``UploadedFile`` or anything with ``name``,
    ``size`` and ``read``); errors name the uploaded file, never the temporary folder."""
    from workbench.domain.loader import load_scenario

    name = str(getattr(upload, "name", "upload"))
    with staged(name, upload, kind, getattr(upload, "size", None)) as path:
        try:
            return load_scenario(path, limits=kind.limits, file_references=False)
        except ScenarioError as exc:
            raise exc.in_file(name) if exc.file == str(path) else exc from None


_MARKDOWN = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~$:&])")


def plain(text: str) -> str:
    """``text`` with every markdown (and Streamlit directive) character escaped, so a message
    quoting a stranger's file shows as written: no link, no image, no formatting."""
    return _MARKDOWN.sub(r"\\\1", text)


def show_error(message: str) -> None:
    """An error box on the page with ``message`` as plain text."""
    import streamlit as st

    st.error(plain(message))
