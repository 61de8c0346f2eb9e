"""
Installable as users install software: the wheel holds the command and the app, the optional
parts say which extra to install, and ``patchmap app`` serves the installed app.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
import venv
import zipfile
from pathlib import Path

import pytest

from patchmap import app as patchmap_app
from patchmap.cli import main
from spatial.errors import DatabaseError, PatchmapError

REPO = Path(__file__).resolve().parents[2]
APP_IN_WHEEL = "patchmap/_app/"


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Build the wheel once, offline, from this checkout (as pip install . does)."""
    out = tmp_path_factory.mktemp("wheel")
    build = tmp_path_factory.mktemp("build")
    subprocess.run(  # noqa: S603 - this interpreter's pip on this repository
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "--quiet",
            "--wheel-dir",
            str(out),
            str(REPO),
        ],
        check=True,
        cwd=build,
        capture_output=True,
    )
    (built,) = out.glob("patchmap-*.whl")
    return built


def test_the_wheel_holds_the_command_the_packages_and_the_app(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    for module in ("cli", "__main__", "_options", "_data", "_output", "_defaults", "app"):
        assert f"patchmap/{module}.py" in names
    for package in ("spatial", "boundaries", "hotspots", "tasking", "layers"):
        assert f"{package}/__init__.py" in names
    pages = sorted(p.name for p in (REPO / "app_pages").glob("*.py"))
    assert pages
    for page in pages:
        assert f"{APP_IN_WHEEL}app_pages/{page}" in names
    static = sorted(str(p.relative_to(REPO)) for p in (REPO / "static").rglob("*") if p.is_file())
    assert "static/vendor/leaflet/leaflet.js" in static
    for path in [*static, "app.py", ".streamlit/config.toml"]:
        assert APP_IN_WHEEL + path in names
    entry_points = next(n for n in names if n.endswith(".dist-info/entry_points.txt"))
    assert "patchmap = patchmap.cli:run" in zipfile.ZipFile(wheel).read(entry_points).decode()
    metadata = next(n for n in names if n.endswith(".dist-info/METADATA"))
    requires = [
        line
        for line in zipfile.ZipFile(wheel).read(metadata).decode().splitlines()
        if line.startswith("Requires-Dist:")
    ]
    requires = [line.replace('"', "'") for line in requires]
    # PDF printing and PostgreSQL are optional extras, not requirements of the command
    for optional, extra in (("playwright", "pdf"), ("psycopg", "postgres")):
        lines = [line for line in requires if optional in line]
        assert lines
        assert all(f"extra == '{extra}'" in line or "extra == 'dev'" in line for line in lines)


def test_an_installed_wheel_runs_and_finds_its_own_app(wheel: Path, tmp_path: Path) -> None:
    """A fresh virtual environment with only the wheel (no dependencies): --help needs none."""
    env_dir = tmp_path / "venv"
    venv.EnvBuilder(with_pip=False).create(env_dir)
    python = env_dir / "bin" / "python"
    target = env_dir / "site"
    subprocess.run(  # noqa: S603 - unpack our own wheel, no index
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "--quiet",
            "--no-deps",
            "--no-index",
            "--target",
            str(target),
            str(wheel),
        ],
        check=True,
        capture_output=True,
    )
    env = {"PATH": "/usr/bin:/bin", "PYTHONPATH": str(target)}
    done = subprocess.run(  # noqa: S603 - the installed command
        [str(python), "-m", "patchmap", "--help"],
        check=True,
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
    )
    assert "usage: patchmap" in done.stdout
    assert "app" in done.stdout
    found = subprocess.run(  # noqa: S603 - where the installed command finds the app
        [str(python), "-c", "from patchmap.app import find_app; print(find_app())"],
        check=True,
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
    )
    script = Path(found.stdout.strip())
    assert script == target / "patchmap" / "_app" / "app.py"
    assert (script.parent / "static" / "vendor" / "leaflet" / "leaflet.js").is_file()
    assert (script.parent / ".streamlit" / "config.toml").is_file()


@pytest.mark.parametrize("replaces_itself", [True, False], ids=["posix-exec", "child"])
def test_patchmap_app_serves_the_app_with_streamlit(
    monkeypatch: pytest.MonkeyPatch, *, replaces_itself: bool
) -> None:
    started: list[tuple[list[str], Path]] = []

    def fake_run(command: list[str], *, cwd: Path, check: bool) -> subprocess.CompletedProcess[str]:
        assert not check
        started.append((command, cwd))
        return subprocess.CompletedProcess(command, 0)

    class Replaced(Exception):  # noqa: N818 - exec never returns: the test's stand-in
        pass

    def fake_exec(path: str, command: list[str]) -> None:
        assert path == command[0]
        started.append((command, Path.cwd()))
        raise Replaced

    monkeypatch.setattr(patchmap_app, "_replaces_itself", lambda: replaces_itself)
    monkeypatch.setattr(subprocess, "run", fake_run)
    monkeypatch.setattr(os, "execv", fake_exec)
    monkeypatch.chdir(REPO)  # restored after the test: the exec path changes folder first
    if replaces_itself:
        with pytest.raises(Replaced):
            main(["app", "--port", "8765"])
    else:
        assert main(["app", "--port", "8765"]) == 0
    ((command, cwd),) = started
    script = patchmap_app.find_app()
    assert command[:5] == [sys.executable, "-m", "streamlit", "run", str(script)]
    assert "--server.port=8765" in command
    assert "--server.enableStaticServing=true" in command
    assert "--client.disableDataExport=true" in command  # files only through Exports
    assert cwd == script.parent  # so Streamlit reads the app's .streamlit/config.toml
    assert (cwd / ".streamlit" / "config.toml").is_file()


def test_patchmap_app_port_is_checked(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit, match="2"):
        main(["app", "--port", "80000"])
    assert "a port is a whole number from 1 to 65535" in capsys.readouterr().err


def test_pdf_printing_without_playwright_says_which_extra(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from layers.pdf import html_to_pdf  # noqa: PLC0415 - after the test's import patching

    monkeypatch.setitem(sys.modules, "playwright", None)
    monkeypatch.setitem(sys.modules, "playwright.sync_api", None)
    with pytest.raises(PatchmapError, match=r"pip install 'patchmap\[pdf\]'"):
        html_to_pdf("<html><body>sheet</body></html>")


def test_postgresql_without_its_driver_says_which_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    from tasking.store import connect  # noqa: PLC0415

    monkeypatch.setitem(sys.modules, "psycopg", None)
    with pytest.raises(DatabaseError, match=r"pip install 'patchmap\[postgres\]'"):
        connect("postgresql://nag@localhost/tasking")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def _serving(port: int) -> bool:
    with socket.socket() as probe:
        probe.settimeout(0.5)
        return probe.connect_ex(("127.0.0.1", port)) == 0


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")
def test_a_stop_signal_to_patchmap_app_stops_the_server(tmp_path: Path) -> None:
    """A service manager stops ``patchmap app`` with SIGTERM: no Streamlit is left serving."""
    port = _free_port()
    env = {**os.environ, "STREAMLIT_BROWSER_GATHER_USAGE_STATS": "false"}
    log = (tmp_path / "app.log").open("wb")
    with subprocess.Popen(  # noqa: S603 - this interpreter's own command
        [sys.executable, "-m", "patchmap", "app", "--port", str(port)],
        stdout=log, stderr=subprocess.STDOUT, env=env, cwd=REPO, start_new_session=True,
    ) as process:  # fmt: skip
        try:
            deadline = time.monotonic() + 60
            while not _serving(port):
                assert process.poll() is None, (tmp_path / "app.log").read_text()
                assert time.monotonic() < deadline, "the app did not start in 60 s"
                time.sleep(0.2)
            process.send_signal(signal.SIGTERM)  # to the command's process only, as kill does
            process.wait(timeout=30)
            deadline = time.monotonic() + 10
            while _serving(port) and time.monotonic() < deadline:
                time.sleep(0.2)
            assert not _serving(port), "a server still answers after patchmap app was stopped"
        finally:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)  # whatever is left of the session
    log.close()
