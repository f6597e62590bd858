"""Reading export files into a frame of text columns: CSV, JSON lines, a JSON array (as the
gateways' APIs return), or Parquet; ``.gz`` compressed files are read the same way.
Nested values (metadata objects, tag lists) become JSON text, so every reader sees one shape.
"""

from __future__ import annotations

import gzip
import io
import json
from pathlib import Path

import polars as pl

from workbench.domain.errors import AuditError

MAX_BYTES = 2 * 1024**3  # an export above 2 GiB is refused: split it by month


def _payload(path: Path) -> tuple[bytes | Path, str]:
    name = path.name.lower()
    if name.endswith(".gz"):
        with gzip.open(path, "rb") as handle:
            data = handle.read(MAX_BYTES + 1)
        if len(data) > MAX_BYTES:
            raise AuditError(f"decompresses to more than {MAX_BYTES // 1024**3} GiB",
                             file=str(path))
        return data, name[:-3]
    return path, name


def _as_text(frame: pl.DataFrame) -> pl.DataFrame:
    return frame.select(
        pl.struct(pl.col(name)).struct.json_encode().str.json_path_match(f"$.{name}").alias(name)
        if isinstance(dtype, (pl.Struct, pl.List, pl.Array)) else pl.col(name).cast(pl.Utf8)
        for name, dtype in frame.schema.items())


def read_export(path: str | Path) -> pl.DataFrame:
    """All columns of one export file as text (nested values as JSON text).

    Raises AuditError naming the file when it is missing, empty, or not CSV / JSON / Parquet.
    """
    file = Path(path)
    if not file.is_file():
        raise AuditError("file not found", file=str(path))
    if file.stat().st_size > MAX_BYTES:
        raise AuditError(f"larger than {MAX_BYTES // 1024**3} GiB: split it by month",
                         file=str(path), value=file.stat().st_size)
    source, name = _payload(file)
    raw = source if isinstance(source, bytes) else file.read_bytes()
    if not raw.strip():
        raise AuditError("the export is empty: no rows", file=str(path))
    try:
        if name.endswith(".parquet"):
            frame = pl.read_parquet(io.BytesIO(raw))
        elif name.endswith((".jsonl", ".ndjson")):
            frame = pl.read_ndjson(io.BytesIO(raw), infer_schema_length=None)
        elif name.endswith(".json"):
            frame = _json_array(raw, str(path))
        elif name.endswith((".csv", ".tsv", ".txt")):
            frame = pl.read_csv(io.BytesIO(raw), infer_schema=False,
                                separator="\t" if name.endswith(".tsv") else ",")
        else:
            raise AuditError("unknown file type: give a .csv, .jsonl, .json or .parquet "
                             "export (optionally .gz)", file=str(path), value=file.suffix)
    except AuditError:
        raise
    except (pl.exceptions.PolarsError, ValueError, UnicodeDecodeError, OSError) as exc:
        raise AuditError(f"cannot parse ({type(exc).__name__}: {str(exc)[:160]})",
                         file=str(path)) from None
    if frame.height == 0:
        raise AuditError("the export has no rows", file=str(path))
    return _as_text(frame)


def _json_array(raw: bytes, file: str) -> pl.DataFrame:
    try:
        data = json.loads(raw)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise AuditError(f"not JSON ({exc})", file=file) from None
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
