"""``workbench app``: open the workbench in the browser on 127.0.0.1, usage statistics off."""

from __future__ import annotations

import typer

STREAMLIT_FLAGS = ("--server.address", "127.0.0.1", "--server.headless", "true",
                   "--browser.gatherUsageStats", "false", "--global.developmentMode", "false",
                   "--server.fileWatcherType", "none", "--client.toolbarMode", "minimal",
                   "--server.maxUploadSize", "16")  # MB; = app.uploads.SERVER_MAX_UPLOAD_MB


def streamlit_command(port: int) -> list[str]:
    """The ``streamlit run`` command line of the app (always headless: a Streamlit that opens
    the browser itself first asks for an email on a fresh machine, and waits)."""
    import sys
    from pathlib import Path

    main = Path(__file__).parent.parent / "app" / "main.py"
    return [sys.executable, "-m", "streamlit", "run", str(main), "--server.port", str(port),
            *STREAMLIT_FLAGS]


def wait_until_serving(url: str, proc, timeout_s: float = 60.0) -> bool:
    """Whether the app at ``url`` answers its health check before ``proc`` exits or
    ``timeout_s`` passes."""
    import contextlib
    import time
    from urllib.request import urlopen  # httpx is the probe's alone (tests/test_layers.py)

    deadline = time.monotonic() + timeout_s
    while proc.poll() is None and time.monotonic() < deadline:
        with (contextlib.suppress(OSError),  # not listening yet: poll again
              urlopen(f"{url}/_stcore/health", timeout=2.0) as answer):
            if answer.read().decode().strip() == "ok":
                return True
        time.sleep(0.3)
    return False


def register(app: typer.Typer) -> None:
    """Add ``workbench app``."""

    @app.command("app")
    def run_app(port: int = typer.Option(8501, help="Port on 127.0.0.1."),
                open_browser: bool = typer.Option(True, "--open/--no-open",
                                                  help="Open a browser tab.")) -> None:
        """Open the workbench (Streamlit) on the bundled default scenario."""
        import signal
        import subprocess
        import webbrowser

        url = f"http://127.0.0.1:{port}"
        typer.echo(f"workbench app on {url} (bundled scenario support_desk.yaml; Ctrl+C "
                   "stops it)")
        proc = subprocess.Popen(streamlit_command(port))
        # stopping this command stops the app too (a terminated parent left it serving)
        signal.signal(signal.SIGTERM, lambda *_: proc.terminate())
        try:
            if open_browser and wait_until_serving(url, proc):
                webbrowser.open(url)
            code = proc.wait()
        except KeyboardInterrupt:  # Streamlit got the same Ctrl+C: let it finish
            code = proc.wait()
        raise typer.Exit(code)
