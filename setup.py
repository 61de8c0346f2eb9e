"""
Build hook: the Streamlit app goes into the wheel, as ``patchmap/_app``.

The app (``app.py``, ``app_pages/``, ``static/`` with the vendored Leaflet, and
``.streamlit/config.toml``) lives at the top of the repository, where ``make run`` starts it.
``app.py`` finds its pages and ``static/`` beside itself, and Streamlit serves ``static/`` from
the folder of the script it runs, so the wheel keeps that layout under ``patchmap/_app/``;
``patchmap app`` runs that copy (or the checkout's app, in a development install). Everything
else about the build is in ``pyproject.toml``.
"""

from __future__ import annotations

from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

ROOT = Path(__file__).resolve().parent
APP_FILES = ("app.py", ".streamlit/config.toml", "app_pages/*.py", "static/**/*")
"""The app's files (globs relative to the repository); MANIFEST.in puts them in the sdist."""
APP_PACKAGE_DIR = Path("patchmap") / "_app"
"""Where the app's files go inside the wheel."""


class BuildPyWithApp(build_py):
    """``build_py`` that also copies the app's files to ``patchmap/_app``."""

    def run(self) -> None:
        """Build the packages, then copy the app beside them (not for editable installs)."""
        super().run()
        if self.editable_mode:  # an editable install runs the checkout's own app
            return
        target = Path(self.build_lib) / APP_PACKAGE_DIR
        for pattern in APP_FILES:
            for source in sorted(ROOT.glob(pattern)):
                if source.is_file() and "node_modules" not in source.parts:
                    destination = target / source.relative_to(ROOT)
                    self.mkpath(str(destination.parent))
                    self.copy_file(str(source), str(destination))


setup(cmdclass={"build_py": BuildPyWithApp})
