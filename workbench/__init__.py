"""workbench: replay an LLM workload through candidate routing policies and compare cost,
quality, reliability and ROI before changing anything."""

__version__ = "0.1.0"
