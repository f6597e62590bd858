"""What every command shares: the ``--json`` option and the one-document JSON printer."""

from __future__ import annotations

import json
import sys
from typing import Any

import typer

JsonOption = typer.Option(False, "--json", help="Print one JSON document on stdout.")


def emit_json(document: Any) -> None:
    """Print one JSON document on stdout (and nothing else there)."""
    sys.stdout.write(json.dumps(document, indent=2, allow_nan=False, default=str) + "\n")
