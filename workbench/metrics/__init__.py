"""Metrics over results: cost, quality, reliability, ROI, budget burn-down."""
