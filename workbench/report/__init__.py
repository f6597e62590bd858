"""Leadership report: a self-contained HTML file (and a PDF where Chromium is present)."""
