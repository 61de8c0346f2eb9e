"""``patchmap app``: start the Streamlit app (the installed copy, or the checkout's)."""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Final

from spatial.errors import PatchmapError

if TYPE_CHECKING:
    import argparse

__all__ = ["DEFAULT_PORT", "add_app", "app_command", "find_app", "run_app"]

DEFAULT_PORT: Final = 8501
"""Streamlit's usual port, as ``make run`` uses."""
PACKAGE_DIR: Final = Path(__file__).resolve().parent
"""The installed ``patchmap`` package."""
APP_SETTINGS: Final = (
    ("server.headless", "true"),
    ("server.enableStaticServing", "true"),
    ("browser.gatherUsageStats", "false"),
    ("client.disableDataExport", "true"),
)
"""
Settings given on the command line too, so they hold whatever folder the app starts from.

Data export is off in Streamlit's tables (their "Download as CSV" and copy): every file the
app gives goes through the Exports page, which applies the audience's rules (no exact places
or times for partners) and guards spreadsheet formulas; a table's own download did neither.
"""


def find_app() -> Path:
    """
    Return the app's ``app.py``: the copy installed in the wheel, else the checkout's.

    A wheel holds the app as ``patchmap/_app`` (see ``setup.py``); an editable install or a
    checkout runs ``app.py`` beside the ``patchmap`` folder.

    Returns
    -------
    pathlib.Path
        ``app.py``, with ``app_pages/`` and ``static/`` beside it.

    Raises
    ------
    PatchmapError
        When neither holds the app (a broken install).
    """
    for folder in (PACKAGE_DIR / "_app", PACKAGE_DIR.parent):
        script = folder / "app.py"
        if script.is_file() and (folder / "app_pages").is_dir() and (folder / "static").is_dir():
            return script
    msg = (
        f"The app's files are missing: no app.py with app_pages/ and static/ in "
        f"{PACKAGE_DIR / '_app'} or {PACKAGE_DIR.parent}. Reinstall patchmap "
        "(pip install --force-reinstall patchmap) or run `make run` in a checkout."
    )
    raise PatchmapError(msg)


def app_command(
    script: Path, *, port: int, store: Path | None = None, wards: Path | None = None
) -> list[str]:
    """
    Return the command that serves ``script`` with Streamlit on ``port``.

    Parameters
    ----------
    script
        The app's ``app.py``.
    port
        The port to listen on.
    store, wards
        A store (and its ward boundaries) the sidebar opens on, passed to the app after ``--``
        (``app_pages._ui.start_choices`` reads them); absolute paths: Streamlit runs from the
        app's folder.

    Returns
    -------
    list of str
        ``python -m streamlit run app.py --server.port PORT ...`` with this interpreter.
    """
    settings = [f"--{key}={value}" for key, value in APP_SETTINGS]
    start = [
        *(["--store", str(store.resolve())] if store is not None else []),
        *(["--wards", str(wards.resolve())] if wards is not None else []),
    ]
    return [
        sys.executable,
        "-m",
        "streamlit",
        "run",
        str(script),
        f"--server.port={port}",
        *settings,
        *(["--", *start] if start else []),
    ]


def _port(text: str) -> int:
    import argparse

    try:
        port = int(text)
    except ValueError:
        port = -1
    if not 1 <= port <= 65535:  # noqa: PLR2004 - the TCP port range
        msg = f"a port is a whole number from 1 to 65535; got {text!r}"
        raise argparse.ArgumentTypeError(msg)
    return port


def add_app(parser: argparse.ArgumentParser) -> None:
    """Add the options of ``patchmap app`` to its parser."""
    parser.add_argument(
        "--port",
        type=_port,
        default=DEFAULT_PORT,
        help=f"port to serve the app on (default {DEFAULT_PORT}); open http://localhost:PORT",
    )
    parser.add_argument(
        "--store",
        type=Path,
        metavar="DIR",
        help="open on this store (made by patchmap ingest) instead of the demo town",
    )
    parser.add_argument(
        "--wards",
        type=Path,
        metavar="FILE",
        help="the store's ward boundaries (GeoJSON, GeoPackage, Shapefile); with --store",
    )


def _checked_start(args: argparse.Namespace) -> None:
    """Refuse a store or ward file the app could not open, before the server starts."""
    from spatial.errors import ParameterError
    from spatial.store import read_manifest

    if args.wards is not None and args.store is None:
        msg = "--wards goes with --store: the app opens on the store and these wards."
        raise ParameterError(msg)
    if args.store is not None:
        read_manifest(args.store)  # the query's own message for a file, a missing folder ...
    if args.wards is not None and not args.wards.is_file():
        msg = f"{args.wards}: the ward boundary file was not found. Check the path."
        raise ParameterError(msg)


def _replaces_itself() -> bool:
    """Whether this process can become Streamlit's (``exec`` keeps its process on POSIX)."""
    return os.name == "posix"


def run_app(args: argparse.Namespace) -> int:
    """
    Run ``patchmap app``: serve the app until Ctrl-C; return Streamlit's exit code.

    On POSIX systems this process becomes Streamlit's (``exec``), so a stop signal from a
    service manager or ``kill`` reaches the server itself and leaves no server running behind a
    stopped command; elsewhere Streamlit runs as a child until it ends.
    """
    _checked_start(args)
    script = find_app()
    if importlib.util.find_spec("streamlit") is None:
        msg = "The app needs Streamlit, which is not installed: pip install patchmap."
        raise PatchmapError(msg)
    print(f"patchmap: open http://localhost:{args.port} in your browser (Ctrl-C stops the app)")
    command = app_command(script, port=args.port, store=args.store, wards=args.wards)
    # run from the app's folder, so Streamlit also reads its .streamlit/config.toml
    if _replaces_itself():
        sys.stdout.flush()
        os.chdir(script.parent)
        os.execv(command[0], command)  # noqa: S606 - this interpreter's Streamlit, our script
    try:
        done = subprocess.run(  # noqa: S603 - this interpreter's Streamlit on our own script
            command, cwd=script.parent, check=False
        )
    except KeyboardInterrupt:
        return 0
    return done.returncode
