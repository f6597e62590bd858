"""Hostile files as bytes, generated on demand: a YAML alias bomb, a file over the size cap,
deep nesting, binary junk, wrong encodings, formula cells and HTML/JS in every text field.

``write_corpus(folder)`` writes them all and returns ``{name: path}``.
"""

from __future__ import annotations

from pathlib import Path

from workbench.domain.bounded_read import DEFAULT_LIMITS

SCRIPT = "<script>alert(1)</script>"
IMG = '<img src=x onerror="alert(2)">'
FORMULA = '=HYPERLINK("http://example.invalid","click")'


def alias_bomb(levels: int = 9, fan_out: int = 9) -> bytes:
    """``levels`` anchors, each a list of ``fan_out`` references to the one above: fan_out **
    levels strings if expanded, under 1 KB written."""
    lines = [f"a0: &a0 [{', '.join(['lol'] * fan_out)}]"]
    lines += [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * fan_out)}]" for i in range(1, levels + 1)]
    return ("\n".join(lines) + "\n").encode()


def huge_yaml() -> bytes:
    """A valid-looking YAML file one KB over the default size cap."""
    return b"name: x\n# " + b"x" * (DEFAULT_LIMITS.max_bytes + 1024) + b"\n"


def deep_yaml(levels: int = 5000) -> bytes:
    return b"name: " + b"[" * levels + b"]" * levels + b"\n"


def binary_junk() -> bytes:
    """Every byte value, as an executable or an image would hold them."""
    return b"\x7fELF" + bytes(range(256)) * 16


def utf16_yaml() -> bytes:
    return "name: caf\u00e9\nseed: 1\n".encode("utf-16")


def latin1_yaml() -> bytes:
    """Latin-1 bytes that are invalid UTF-8 (0xe9 then a newline)."""
    return "name: caf\u00e9\nseed: 1\n".encode("latin-1")


def hostile_scenario() -> str:
    """A VALID scenario whose every name and description is HTML, JS or a spreadsheet formula:
    it must load, estimate and report with all of it shown as text."""
    return f"""
name: '{SCRIPT}'
description: '{IMG} & more'
baseline: '+today{SCRIPT}'
providers:
  - {{name: '@prov<b>', mtbf_days: 5, mttr_hours: 2}}
models:
  - {{name: '{FORMULA.replace("'", "''")}', provider: '@prov<b>',
     price: {{input_per_mtok_usd: 10, output_per_mtok_usd: 30}}, quality: {{mean: 0.9, sd: 0.05}}}}
  - {{name: '-cheap{IMG.replace("'", "''")}', provider: '@prov<b>',
     price: {{input_per_mtok_usd: 1, output_per_mtok_usd: 2}}, quality: {{mean: 0.8, sd: 0.05}}}}
workload:
  task_types:
    - {{name: '=cmd|'' /C calc''!A0', per_day: 100, input_tokens: 500, output_tokens: 100,
       category: '<i>cat</i>'}}
    - {{name: "\\tTAB{SCRIPT}", per_day: 50, input_tokens: 300, output_tokens: 50}}
policies:
  - {{name: '+today{SCRIPT}', description: '{SCRIPT}',
     routing: {{default: '{FORMULA.replace("'", "''")}'}}}}
  - name: '@routed{IMG.replace("'", "''")}'
    description: '</script><script>alert(3)</script>'
    routing: {{default: '-cheap{IMG.replace("'", "''")}'}}
""".lstrip()


FORMULA_CSV = (
    "provider,start_utc,end_utc,impact_level,services\n"
    f'"{FORMULA.replace(chr(34), chr(34) * 2)}",2024-03-01T00:00:00Z,2024-03-01T01:00:00Z,2,api\n'
    "@SUM(1+1),2024-03-02T00:00:00Z,nope,x,=1+1\n"
).encode()


def write_corpus(folder: Path) -> dict[str, Path]:
    """Write every hostile YAML file under ``folder``; ``{stem: path}``."""
    files = {"alias_bomb": alias_bomb(), "huge": huge_yaml(), "deep": deep_yaml(),
             "binary": binary_junk(), "utf16": utf16_yaml(), "latin1": latin1_yaml()}
    folder.mkdir(parents=True, exist_ok=True)
    out = {}
    for stem, data in files.items():
        out[stem] = folder / f"{stem}.yaml"
        out[stem].write_bytes(data)
    return out
