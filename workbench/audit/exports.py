"""Reading export files into a frame of text columns: CSV, JSON lines, a JSON array (as the
gateways' APIs return), or Parquet; ``.gz`` compressed files are read the same way.
Nested values (metadata objects, tag lists) become JSON text, so every reader sees one shape.
"""

from __future__ import annotations

import gzip
import io
import json
import zipfile
import zlib
from pathlib import Path

import polars as pl

from workbench.domain.bounded_read import parse_json
from workbench.domain.errors import AuditError, ScenarioError

MAX_BYTES = 2 * 1024**3  # an export above 2 GiB is refused: split it by month
MAX_ROWS = 20_000_000
MAX_RATIO = 200  # text exports compress 5-20x; far beyond that is a bomb


def _inflate(handle, path: Path, packed: int) -> bytes:
    """Read a decompressing stream in blocks, refusing past MAX_BYTES or MAX_RATIO x the
    packed size (a decompression bomb stops early, never fills memory)."""
    cap = min(MAX_BYTES, max(packed, 1) * MAX_RATIO)
    chunks, total = [], 0
    while block := handle.read(1 << 20):
        total += len(block)
        if total > cap:
            raise AuditError(f"decompresses to more than {cap:,} bytes ({MAX_RATIO}x its "
                             "packed size or 2 GiB): refused as a decompression bomb",
                             file=str(path))
        chunks.append(block)
    return b"".join(chunks)


def _payload(path: Path) -> tuple[bytes | Path, str]:
    """The export's bytes (decompressed from .gz or a one-file .zip) or its path, and the
    name that tells its format."""
    name = path.name.lower()
    try:
        if name.endswith(".gz"):
            with gzip.open(path, "rb") as handle:
                return _inflate(handle, path, path.stat().st_size), name[:-3]
        if name.endswith(".zip"):
            with zipfile.ZipFile(path) as archive:
                members = [m for m in archive.infolist() if not m.is_dir()]
                if len(members) != 1:
                    raise AuditError(f"a zip export must hold exactly one file (it holds "
                                     f"{len(members)})", file=str(path))
                with archive.open(members[0]) as handle:
                    data = _inflate(handle, path, members[0].compress_size)
                return data, members[0].filename.lower()
    except (OSError, EOFError, zipfile.BadZipFile, zlib.error) as exc:
        raise AuditError(f"not a readable archive ({type(exc).__name__}: {exc})",
                         file=str(path)) from None
    return path, name


def _as_text(frame: pl.LazyFrame) -> pl.LazyFrame:
    schema = frame.collect_schema()
    return frame.select(
        pl.struct(pl.col(name)).struct.json_encode().str.json_path_match(f"$.{name}").alias(name)
        if isinstance(dtype, (pl.Struct, pl.List, pl.Array)) else pl.col(name).cast(pl.Utf8)
        for name, dtype in schema.items())


def scan_export(path: str | Path, max_rows: int = MAX_ROWS) -> pl.LazyFrame:
    """All columns of one export file as text (nested values as JSON text), read lazily so
    that only the columns a format uses are parsed (prompts and responses never are).

    Raises AuditError naming the file when it is missing, empty, too large, or not CSV / JSON
    lines / a JSON array / Parquet.
    """
    file = Path(path)
    if not file.is_file():
        raise AuditError("file not found", file=str(path))
    size = file.stat().st_size
    if size > MAX_BYTES:
        raise AuditError(f"larger than {MAX_BYTES // 1024**3} GiB: split it by month",
                         file=str(path), value=size)
    if size == 0 or (size < 4096 and not file.read_bytes().strip()):
        raise AuditError("the export is empty: no rows", file=str(path))
    source, name = _payload(file)
    try:
        frame = _scan(source, name, str(path))
        head = frame.head(max_rows + 1).select(pl.len()).collect().item()
    except AuditError:
        raise
    except (pl.exceptions.PolarsError, ValueError, UnicodeDecodeError, OSError) as exc:
        raise AuditError(f"cannot parse ({type(exc).__name__}: {str(exc)[:160]})",
                         file=str(path)) from None
    if head == 0:
        raise AuditError("the export has no rows", file=str(path))
    if head > max_rows:
        raise AuditError(f"more than {max_rows:,} rows: split the export (or raise --max-rows)",
                         file=str(path))
    return _as_text(frame)


def _scan(source: bytes | Path, name: str, file: str) -> pl.LazyFrame:
    data = io.BytesIO(source) if isinstance(source, bytes) else source
    if name.endswith(".parquet"):
        return pl.scan_parquet(data) if isinstance(data, Path) else pl.read_parquet(data).lazy()
    if name.endswith((".jsonl", ".ndjson")):
        return (pl.scan_ndjson(data, infer_schema_length=None) if isinstance(data, Path)
                else pl.read_ndjson(data, infer_schema_length=None).lazy())
    if name.endswith(".json"):
        raw = source if isinstance(source, bytes) else Path(source).read_bytes()
        return _json_array(raw, file).lazy()
    if name.endswith((".csv", ".tsv", ".txt")):
        sep = "\t" if name.endswith(".tsv") else ","
        return (pl.scan_csv(data, infer_schema=False, separator=sep) if isinstance(data, Path)
                else pl.read_csv(data, infer_schema=False, separator=sep).lazy())
    raise AuditError("unknown file type: give a .csv, .jsonl, .json or .parquet export "
                     "(optionally .gz or a one-file .zip)", file=file,
                     value=Path(file).suffix)


def read_export(path: str | Path, max_rows: int = MAX_ROWS) -> pl.DataFrame:
    """``scan_export`` collected: every column as text."""
    return scan_export(path, max_rows).collect()


def _json_array(raw: bytes, file: str) -> pl.DataFrame:
    try:
        data = parse_json(raw, file)
    except ScenarioError as exc:
        raise AuditError(exc.reason, file=file) from None
    if isinstance(data, dict):  # API pages: {"data": [...]} or {"logs": [...]}
        data = next((v for k, v in data.items() if k in ("data", "logs", "results")
                     and isinstance(v, list)), None)
    if not isinstance(data, list) or not all(isinstance(r, dict) for r in data):
        raise AuditError("a JSON export is an array of row objects (or a page with 'data')",
                         file=file)
    if not data:
        return pl.DataFrame()
    return pl.DataFrame(
        [{k: (json.dumps(v) if isinstance(v, (dict, list)) else v) for k, v in row.items()}
         for row in data], infer_schema_length=None)
