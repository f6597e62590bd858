"""Policy decisions from a task and a read-only state snapshot (no SimPy, no polars)."""
