"""App tests: a quick simulation size (1 day, 1 replication) and helpers to open a page."""

from __future__ import annotations

import os

os.environ.setdefault("WORKBENCH_APP_DAYS", "1")
os.environ.setdefault("WORKBENCH_APP_REPLICATIONS", "1")
