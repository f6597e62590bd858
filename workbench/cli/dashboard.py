"""``workbench app``: open the workbench in the browser on 127.0.0.1, usage statistics off."""

from __future__ import annotations

import typer

STREAMLIT_FLAGS = ("--server.address", "127.0.0.1", "--server.headless", "true",
                   "--browser.gatherUsageStats", "false", "--global.developmentMode", "false",
                   "--server.fileWatcherType", "none", "--client.toolbarMode", "minimal",
                   "--server.maxUploadSize", "16")  # MB; = app.uploads.SERVER_MAX_UPLOAD_MB


def streamlit_command(port: int, headless: bool = True) -> list[str]:
    """The ``streamlit run`` command line of the app."""
    import sys
    from pathlib import Path

    main = Path(__file__).parent.parent / "app" / "main.py"
    flags = list(STREAMLIT_FLAGS)
    if not headless:
        flags[flags.index("--server.headless") + 1] = "false"
    return [sys.executable, "-m", "streamlit", "run", str(main), "--server.port", str(port),
            *flags]


def register(app: typer.Typer) -> None:
    """Add ``workbench app``."""

    @app.command("app")
    def run_app(port: int = typer.Option(8501, help="Port on 127.0.0.1."),
                open_browser: bool = typer.Option(True, "--open/--no-open",
                                                  help="Open a browser tab.")) -> None:
        """Open the workbench (Streamlit) on the bundled default scenario."""
        import subprocess

        typer.echo(f"workbench app on http://127.0.0.1:{port} (bundled scenario "
                   "support_desk.yaml; Ctrl+C stops it)")
        raise typer.Exit(subprocess.call(streamlit_command(port, headless=not open_browser)))
